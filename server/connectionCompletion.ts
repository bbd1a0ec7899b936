// Completion of a `sql` step's `connection`: the pipeline's `connections:` names, then the user's
// (~/.orchestrator/connections.json), each with where it leads (never a secret: URLs hold none).
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { loadUserConnections } from '../engine/tools/sql/connections';

export function connectionItems(a: Analysis, env: NodeJS.ProcessEnv = process.env): CompletionItem[] {
  const own = a.pipeline?.connections ?? {};
  const detail = (d: { url?: string; url_env?: string }) => (typeof d.url === 'string' ? d.url : typeof d.url_env === 'string' ? `the URL in ${d.url_env}` : undefined);
  const items: CompletionItem[] = Object.entries(own).map(([name, d]) => ({ label: name, kind: CompletionItemKind.Value, detail: detail(d), sortText: `0${name}` }));
  for (const [name, d] of Object.entries(loadUserConnections(env).connections)) {
    if (!Object.prototype.hasOwnProperty.call(own, name)) items.push({ label: name, kind: CompletionItemKind.Value, detail: `${detail(d) ?? ''} (your settings)`.trim(), sortText: `1${name}` });
  }
  return items;
}
