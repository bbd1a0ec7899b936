// Code lenses (run, debug, graph; run from a step; what each agent may call: agentLens.ts), inlay
// hints (implied dependencies) and semantic tokens (template names, step references, filters, AUTO tags).
import { InlayHintKind, SemanticTokensBuilder, type CodeLens, type InlayHint } from 'vscode-languageserver';
import { TOKEN_TYPES } from './capabilities';
import type { Analysis } from '../engine/analyze/index';
import { COMMANDS } from './protocol';
import { lockedEntry, type AutoLock } from '../engine/auto/lockFile';
import { orchestratorOf } from '../engine/auto/orchestrator';
import { offsetAt } from '../engine/parse/scalarOffsets';
import type { ServerFeatures } from './features';
import { evalLenses } from './evalDocuments';
import { agentLenses } from './agentLens';
import { triggerLenses } from './triggerLens';

export function codeLenses(a: Analysis, uri: string, lock: AutoLock | null = null): CodeLens[] {
  if (!a.pipeline) return [];
  const top = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const lenses: CodeLens[] = [
    { range: top, command: { title: '▶ Run pipeline', command: COMMANDS.run, arguments: [uri] } },
    { range: top, command: { title: 'Debug', command: COMMANDS.debug, arguments: [uri] } },
    { range: top, command: { title: 'Show graph', command: COMMANDS.showGraph, arguments: [uri] } },
  ];
  // AUTO tags answered before a run: how many still need an answer, or ask them all again
  const compileTime = a.autoTags.filter((t) => !t.runtime);
  if (compileTime.length) {
    const model = orchestratorOf(a.pipeline);
    const missing = compileTime.filter((t) => !model || !lockedEntry(lock, t, model)).length;
    lenses.push(
      missing
        ? { range: top, command: { title: `Resolve ${missing} AUTO tag${missing === 1 ? '' : 's'}`, command: COMMANDS.resolveAuto, arguments: [uri] } }
        : { range: top, command: { title: 'AUTO tags locked · Refresh', command: COMMANDS.resolveAuto, arguments: [uri, { refresh: true }] } },
    );
  }
  for (const s of a.pipeline.steps) {
    const def = a.references.find((r) => r.kind === 'definition' && r.stepId === s.id);
    if (def) lenses.push({ range: def.range, command: { title: '▶ Run from here', command: COMMANDS.runFromHere, arguments: [uri, s.id] } });
  }
  lenses.push(...agentLenses(a, uri));
  return lenses;
}

/** The lenses the client shows: those naming a command it implements, and the triggers' (a title only when it cannot serve). */
export function shownLenses(a: Analysis, uri: string, lock: AutoLock | null, commands: ReadonlySet<string>): CodeLens[] {
  const lenses = codeLenses(a, uri, lock).filter((l) => l.command && commands.has(l.command.command));
  return a.pipeline ? [...lenses, ...triggerLenses(a, commands.has(COMMANDS.serveWorkspace))] : lenses;
}

export function inlayHints(a: Analysis, startLine: number, endLine: number, lock: AutoLock | null = null): InlayHint[] {
  const hints: InlayHint[] = [];
  for (const tag of a.autoTags) {
    if (tag.range.end.line < startLine || tag.range.end.line > endLine) continue;
    const locked = lockedEntry(lock, tag, a.pipeline?.orchestrator ?? null);
    if (locked) hints.push({ position: tag.range.end, label: ` = ${JSON.stringify(locked.value)}`, kind: InlayHintKind.Type, paddingLeft: true, tooltip: `Locked resolution by ${locked.model}` });
  }
  const byStep = new Map<string, Set<string>>();
  for (const f of a.findings) {
    if (f.code !== 'template.implied-dependency' || !f.step) continue;
    const set = byStep.get(f.step) ?? new Set<string>();
    for (const s of f.suggestions) set.add(s);
    byStep.set(f.step, set);
  }
  for (const [step, deps] of byStep) {
    const def = a.references.find((r) => r.kind === 'definition' && r.stepId === step);
    if (!def || def.range.end.line < startLine || def.range.end.line > endLine) continue;
    hints.push({ position: def.range.end, label: ` waits for ${[...deps].join(', ')} (template)`, kind: InlayHintKind.Parameter, paddingLeft: true, tooltip: 'Implied by a template reference: not listed in dependencies' });
  }
  return hints;
}

const T = (t: (typeof TOKEN_TYPES)[number]) => TOKEN_TYPES.indexOf(t);

export function semanticTokens(a: Analysis) {
  const tokens: [number, number, number, number][] = []; // [offset start, offset end, type]
  const params = new Set((a.pipeline?.parameters ?? []).map((p) => p.name));
  for (const site of a.templates) {
    if (!site.references || site.offsets === null) continue;
    const o = site.offsets;
    const push = (s: number, e: number, type: number) => tokens.push([offsetAt(o, s), offsetAt(o, Math.max(s, e - 1)) + 1, type, 0]);
    for (const n of site.references.names) {
      const isStep = site.scope.steps.includes(n.name) && !params.has(n.name);
      push(n.start, n.end, isStep ? T('class') : params.has(n.name) ? T('parameter') : T('variable'));
      for (const c of n.chain) if (c.end > c.start) push(c.start, c.end, n.name === 'steps' && c === n.chain[0] ? T('class') : T('property'));
    }
    for (const f of site.references.filters) push(f.start, f.end, T('function'));
    for (const t of site.references.tests) push(t.start, t.end, T('function'));
  }
  for (const tag of a.autoTags) {
    const s = a.parsed.lines.offset(tag.range.start);
    const e = a.parsed.lines.offset(tag.range.end);
    tokens.push([s, e, T('macro'), 0]);
  }
  tokens.sort((x, y) => x[0] - y[0]);
  const builder = new SemanticTokensBuilder();
  let lastEnd = -1;
  for (const [s, e, type] of tokens) {
    if (s < lastEnd) continue; // no overlaps
    const start = a.parsed.lines.position(s);
    const end = a.parsed.lines.position(e);
    if (end.line !== start.line) continue; // a token is one line
    builder.push(start.line, start.character, end.character - start.character, type, 0);
    lastEnd = e;
  }
  return builder.build();
}

/** Answers code lenses (only those naming a command the client implements), inlay hints and
 * semantic tokens, and refreshes the first two when an AUTO lock file is written. */
export function registerLenses({ connection, withDoc, withEval, lockOf, clientCommands, onWatchedFiles }: ServerFeatures): void {
  connection.onCodeLens((p) => withEval(p.textDocument.uri, 'evalCodeLens', [], (d, doc) => evalLenses(d, doc.uri).filter((l) => l.command && clientCommands().has(l.command.command))) ?? withDoc(p.textDocument.uri, 'codeLens', [], (a, doc) => shownLenses(a, doc.uri, lockOf(doc.uri), clientCommands())));
  connection.languages.inlayHint.on((p) => withDoc(p.textDocument.uri, 'inlayHints', [], (a, doc) => inlayHints(a, p.range.start.line, p.range.end.line, lockOf(doc.uri))));
  connection.languages.semanticTokens.on((p) => withDoc(p.textDocument.uri, 'semanticTokens', { data: [] }, (a) => semanticTokens(a)));
  // a lock file was written (Resolve AUTO tags, orc auto): the inline answers and lenses change
  onWatchedFiles((uris) => {
    if (!uris.some((u) => u.endsWith('.auto.lock.json'))) return;
    void connection.languages.inlayHint.refresh().catch(() => undefined);
    void connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  });
}
