// Which model answers a pipeline's AUTO tags (before and during a run).

/** The pipeline's orchestrator model: its `orchestrator`, else ORC_ORCHESTRATOR_MODEL, else its `model` (an unresolved AUTO tag is none). */
export function orchestratorOf(p: { orchestrator: string | null; model: string | null }): string | null {
  const real = (m: string | null) => (m && !m.includes('<AUTO') ? m : null);
  return real(p.orchestrator) ?? (process.env.ORC_ORCHESTRATOR_MODEL || null) ?? real(p.model);
}
