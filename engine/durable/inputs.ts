// A durable run's inputs and secrets. What a client submits is the workflow's input, and Restate
// keeps it in its journal (on disk, replicated, readable through its admin API) for as long as it
// keeps the run. So no secret is ever submitted:
// - a parameter declared `secret: true` is refused by the client when given a value (`-i`, an
//   HTTP body); each worker fills it from its own environment, `ORC_INPUT_<NAME>` (the name in
//   capitals, other characters than letters and digits as `_`), when the run starts there;
// - an input whose value is the value of a secret environment variable of the client (`-i
//   key=$MY_API_KEY`) is refused the same way.
// The run then redacts a secret input's value wherever it appears, as a local run does.
import type { ParameterDecl } from '../spec/types';
import { InputError, parseInputArg, resolveInputs } from '../run/inputs';
import { Redactor } from '../toolkit/redact';

/** The environment variable a worker reads a secret parameter's value from. */
export function secretInputEnv(name: string): string {
  return `ORC_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * Checks the inputs a client is about to submit: every parameter's value as a local run checks it,
 * except the secret ones, which the workers fill. Throws InputError naming a secret that was given.
 */
export function checkDurableInputs(params: ParameterDecl[], inputs: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): void {
  for (const p of params) {
    if (!p.secret || !Object.prototype.hasOwnProperty.call(inputs, p.name)) continue;
    throw new InputError(`Input '${p.name}' is secret, and a durable run's inputs are kept in Restate's journal, so it is not sent: set ${secretInputEnv(p.name)} in the workers' environment (each worker fills it from there) and give no value for it here`);
  }
  const redactor = new Redactor(env);
  for (const [k, v] of Object.entries(inputs)) {
    const shown = JSON.stringify(redactor.value(v));
    if (shown === JSON.stringify(v)) continue;
    const name = /\[redacted: ([A-Za-z_][A-Za-z0-9_]*)\]/.exec(shown)?.[1] ?? 'a secret';
    throw new InputError(`Input '${k}' holds the value of the secret environment variable ${name}, and a durable run's inputs are kept in Restate's journal, so it is not sent: declare '${k}' 'secret: true' and set ${secretInputEnv(k)} in the workers' environment`);
  }
  // the rest as a local run checks them; a secret parameter counts as given (the workers give it)
  const placeholders: Record<string, unknown> = { ...inputs };
  const checked = params.map((p) => (p.secret ? { ...p, required: false, hasDefault: true, default: null, type: null, enum: null } : p));
  resolveInputs(checked, placeholders);
}

/** The inputs a run starts with on a worker: the submitted ones, and each secret parameter's value from this worker's environment. */
export function workerInputs(params: ParameterDecl[], submitted: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = { ...submitted };
  for (const p of params) {
    if (!p.secret) continue;
    const name = secretInputEnv(p.name);
    const text = env[name];
    if (text === undefined) {
      if (p.required && !p.hasDefault) throw new InputError(`Input '${p.name}' is secret: a durable run takes it from the worker's environment, and ${name} is not set on this worker`);
      continue;
    }
    out[p.name] = parseInputArg(`${p.name}=${text}`)[1];
  }
  return out;
}
