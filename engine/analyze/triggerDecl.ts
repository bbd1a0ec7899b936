// `triggers:` as written → the engine's TriggerDecl list: each entry a cron schedule or a webhook,
// defaults applied. Tolerant of invalid input: an entry that is neither (or both) is left out, and
// the schema pass and triggerCheck say what is wrong with it.
import type { TriggerDecl, TriggerOverlap } from '../spec/types';

type Obj = Record<string, unknown>;

export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_OVERLAP: TriggerOverlap = 'skip';
export const OVERLAPS: readonly TriggerOverlap[] = ['skip', 'queue', 'allow'];
/** The keys only a cron entry reads, and those only a webhook reads. */
export const CRON_KEYS = ['cron', 'timezone', 'overlap'] as const;
export const WEBHOOK_KEYS = ['webhook', 'secret_env'] as const;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The inputs of an entry, as written (a copy whose keys are the file's own, `__proto__` too). */
function inputsOf(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (isObj(v)) for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
  return out;
}

/** One entry, or null when it is neither a cron schedule nor a webhook (or names both). */
export function triggerDeclOf(raw: unknown): TriggerDecl | null {
  if (!isObj(raw)) return null;
  const cron = typeof raw.cron === 'string' ? raw.cron : null;
  const webhook = typeof raw.webhook === 'string' ? raw.webhook : null;
  if ((cron === null) === (webhook === null)) return null;
  if (cron !== null) {
    return {
      kind: 'cron',
      cron,
      timezone: typeof raw.timezone === 'string' ? raw.timezone : DEFAULT_TIMEZONE,
      overlap: (OVERLAPS as readonly unknown[]).includes(raw.overlap) ? (raw.overlap as TriggerOverlap) : DEFAULT_OVERLAP,
      inputs: inputsOf(raw.inputs),
    };
  }
  return { kind: 'webhook', webhook: webhook!, secretEnv: typeof raw.secret_env === 'string' ? raw.secret_env : null, inputs: inputsOf(raw.inputs) };
}

/** The entries of `triggers:` that are a cron schedule or a webhook, in order. */
export function triggerDecls(v: unknown): TriggerDecl[] {
  if (!Array.isArray(v)) return [];
  const out: TriggerDecl[] = [];
  for (const raw of v) {
    const t = triggerDeclOf(raw);
    if (t) out.push(t);
  }
  return out;
}
