// Secret inputs: a parameter declared `secret: true`, or any input whose value is the value of a
// secret environment variable (`-i key=$MY_API_KEY`), is never written to the checkpoint. The run
// redacts such values wherever they appear; `orc resume` gets them back from the environment
// (`[redacted: NAME]`) or from `-i name=value` given again, and refuses with a clear error otherwise.
import type { ParameterDecl } from '../spec/types';
import { InputError } from './inputs';
import { Redactor } from '../toolkit/redact';

/** The placeholder a secret parameter's value is recorded as. */
export const secretPlaceholder = (name: string): string => `[redacted: parameter ${name}]`;

/** The string values of the inputs of parameters declared `secret: true`. */
export function secretInputValues(params: ParameterDecl[], inputs: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const p of params) {
    if (!p.secret) continue;
    const v = inputs[p.name];
    if (v === null || v === undefined) continue;
    out.push(typeof v === 'string' ? v : JSON.stringify(v));
  }
  return out;
}

/** The environment's redactor of each model runner's runs (see `runRedactor`). */
const envRedactors = new WeakMap<object, Redactor>();

/**
 * The run's redactor: the environment's secrets and the secret inputs' values. Without one given,
 * the environment's is built once per model runner (`runner`: the runs' `models`) and reused by its
 * later runs, as `orc eval`, `orc serve` and `orc mcp` build theirs once: reading every variable of
 * the environment was most of a small run's own cost (0.1-0.3 ms a run). It holds the secrets the
 * environment had at that runner's first run; a host whose environment gains a secret later makes a
 * new runner or gives its runs a redactor.
 */
export function runRedactor(params: ParameterDecl[], inputs: Record<string, unknown>, given?: Redactor, runner?: object): Redactor {
  const extra = secretInputValues(params, inputs);
  if (extra.length) return new Redactor(process.env, extra);
  if (given) return given;
  if (!runner) return new Redactor(process.env);
  let r = envRedactors.get(runner);
  if (!r) envRedactors.set(runner, (r = new Redactor(process.env)));
  return r;
}

/** The redactor a run's cassette records with: with secret inputs the run's, since a prompt or a model's tool call may hold one (recorded, and keyed, by its placeholder); else the one given. */
export function tapeRedactor(params: ParameterDecl[], inputs: Record<string, unknown>, given?: Redactor): Redactor | undefined {
  return secretInputValues(params, inputs).length ? runRedactor(params, inputs, given) : given;
}

/** The inputs as a checkpoint records them: secret parameters by a placeholder, secrets of the environment redacted. */
export function recordedInputs(params: ParameterDecl[], inputs: Record<string, unknown>, redactor: Redactor = new Redactor()): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const secret = params.some((p) => p.name === k && p.secret) && v !== null && v !== undefined;
    Object.defineProperty(out, k, { value: secret ? secretPlaceholder(k) : redactor.value(v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const ENV_PLACEHOLDER = /\[redacted: ([A-Za-z_][A-Za-z0-9_]*)\]/g;

/** The inputs a resumed run starts with: placeholders filled from `given` (-i) or the environment. */
export function restoredInputs(params: ParameterDecl[], recorded: Record<string, unknown>, given: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(recorded)) {
    let value: unknown = v;
    if (Object.prototype.hasOwnProperty.call(given, k)) value = given[k];
    else if (v === secretPlaceholder(k)) throw new InputError(`Input '${k}' is secret and was not recorded: give it again with -i ${k}=...`);
    else if (typeof v === 'string' && v.includes('[redacted: ')) {
      value = v.replace(ENV_PLACEHOLDER, (whole, name: string) => {
        const e = env[name];
        if (e === undefined) throw new InputError(`Input '${k}' held the secret ${name}, which was not recorded and is not set now: set ${name}, or give the input again with -i ${k}=...`);
        return e;
      });
    }
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  const unknown = Object.keys(given).filter((k) => !params.some((p) => p.name === k));
  if (unknown.length) throw new InputError(`Unknown input '${unknown[0]}': the pipeline's parameters are ${params.map((p) => p.name).join(', ') || 'none'}`);
  return out;
}
