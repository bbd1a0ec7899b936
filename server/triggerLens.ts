// The code lens on each trigger of a pipeline (`triggers:`): `cron: next 07:00 UTC` (the next time
// the schedule fires, with its day when that is not within a day), `webhook: /hooks/deploy`. A lens
// starts serving the workspace when the client implements that command, else it is a title only.
import type { CodeLens } from 'vscode-languageserver';
import type { Analysis } from '../engine/analyze/index';
import { formatFire, nextFires } from '../engine/analyze/cronSchedule';
import { WEBHOOK_NAME } from '../engine/analyze/triggerCheck';
import { triggerDeclOf } from '../engine/analyze/triggerDecl';
import { keyRange } from '../engine/parse/yamlDocument';
import { COMMANDS } from './protocol';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The lens title of a cron schedule's next time: the time alone within a day, else with its day. */
export function nextFireTitle(expr: string, timezone: string, now: Date): string | null {
  const next = nextFires(expr, timezone, now, 1)[0];
  if (!next) return null;
  return `cron: next ${formatFire(next, timezone, next.getTime() - now.getTime() >= DAY_MS)}`;
}

/** One lens per trigger that can fire (an invalid one has its diagnostic instead), on its `cron` or `webhook` key. */
export function triggerLenses(a: Analysis, serves: boolean, now: Date = new Date()): CodeLens[] {
  const list = a.parsed.value && typeof a.parsed.value === 'object' ? (a.parsed.value as Record<string, unknown>).triggers : undefined;
  if (!Array.isArray(list)) return [];
  const lenses: CodeLens[] = [];
  list.forEach((raw, i) => {
    const t = triggerDeclOf(raw);
    if (!t) return;
    const title = t.kind === 'cron' ? nextFireTitle(t.cron, t.timezone, now) : WEBHOOK_NAME.test(t.webhook) ? `webhook: /hooks/${t.webhook}` : null;
    if (!title) return;
    const range = keyRange(a.parsed, ['triggers', i, t.kind]);
    lenses.push({ range, command: { title, command: serves ? COMMANDS.serveWorkspace : '' } });
  });
  return lenses;
}
