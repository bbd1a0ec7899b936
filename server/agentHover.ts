// Hover on an agent's allow-list: an entry of `tools:` shows the tool's description and the
// arguments the model passes it; `agent: NAME` (and a named agent's own key under `agents:`) shows
// that agent's description, model and tools.
import type { Analysis } from '../engine/analyze/index';
import type { Located } from '../engine/analyze/locate';
import { readToolEntry } from '../engine/analyze/agentDecl';
import { valueAt } from '../engine/spec/values';
import { entryDoc, namedAgentDoc } from './agentTools';

function isAgentOwner(a: Analysis, owner: (string | number)[]): boolean {
  if (owner.length === 2 && owner[0] === 'agents') return true;
  const v = valueAt(a.parsed.value, owner) as Record<string, unknown> | undefined;
  return !!v && typeof v === 'object' && v.action === 'agent' && v.tool === undefined;
}

/** The markdown for what is under the cursor in an agent's allow-list, or null when it is not in one. */
export function agentHover(a: Analysis, at: Located, documentFile: string | null): string | null {
  const p = at.path;
  const agents = a.pipeline?.agents ?? {};
  // a named agent's own key
  if (at.onKey && p.length === 2 && p[0] === 'agents' && Object.prototype.hasOwnProperty.call(agents, String(p[1]))) return namedAgentDoc(a, agents[String(p[1])]);
  const k = p.lastIndexOf('tools');
  if (k < 0 || typeof p[k + 1] !== 'number' || p.length > k + 3 || !isAgentOwner(a, p.slice(0, k))) return null;
  const entryPath = p.slice(0, k + 2);
  const inner = p[k + 2];
  // an option of the entry (`approve`, `timeout`): the schema's words say it
  if (inner === 'approve' || inner === 'timeout') return null;
  const entry = readToolEntry(valueAt(a.parsed.value, entryPath), entryPath);
  if (!entry) return null;
  const doc = entryDoc(a, entry.ref, documentFile, entry.approve);
  if (!doc) return null;
  const options = [entry.approve ? 'Each call waits for a person to approve it.' : '', entry.timeout !== null ? `A call may take ${entry.timeout} s.` : ''].filter(Boolean).join(' ');
  return options ? `${doc}\n\n${options}` : doc;
}
