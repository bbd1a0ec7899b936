// The keys completion offers in one entry of an agent's allow-list written as a mapping: an entry
// has one form — `a2a: URL` (with `token_env`), `agent: NAME` or `pipeline: FILE` — so once its form
// is written the other forms' keys are not offered (`token_env` belongs to `a2a` alone); `approve`
// and `timeout` go with every form.
import type { ValuePath } from '../engine/spec/types';

const FORMS: Record<string, string[]> = { a2a: ['a2a', 'token_env'], agent: ['agent'], pipeline: ['pipeline'] };

/** Whether `key` is offered in the mapping at `mapping` holding `present`. */
export function entryKeyOffered(mapping: ValuePath, present: unknown, key: string): boolean {
  if (typeof mapping[mapping.length - 1] !== 'number' || mapping[mapping.length - 2] !== 'tools') return true;
  if (!present || typeof present !== 'object' || Array.isArray(present)) return true;
  const form = Object.keys(FORMS).find((f) => f in present);
  if (!form) return true;
  return FORMS[form].includes(key) || !Object.values(FORMS).some((keys) => keys.includes(key));
}
