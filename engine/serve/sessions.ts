// Conversations over HTTP: a run request's `session` is the pipeline's `session` parameter, as
// `orc chat --session` fills it (an agent step's `memory: {session: "{{ session }}"}` keeps the
// conversation under it), so a served run continues the conversation its session names. A request
// that gives none starts a new one: the server makes an id (unless the parameter has a default),
// and every answer about the run names it (the `Orc-Session` header, the 202's `session`).
import { randomUUID } from 'node:crypto';
import type { ParameterDecl } from '../api/index';
import { ServeError } from './serveErrors';

/** The body field, and the pipeline parameter it fills. */
export const SESSION_FIELD = 'session';
/** The response header that names a run's session. */
export const SESSION_HEADER = 'Orc-Session';

/** The longest session id taken. */
export const MAX_SESSION_LENGTH = 256;
/** A session id: printable ASCII (a header's value), no space at either end. */
const SESSION_ID = new RegExp(`^(?=.{1,${MAX_SESSION_LENGTH}}$)[\\x21-\\x7e](?:[\\x20-\\x7e]*[\\x21-\\x7e])?$`);

/** A new session's id: `s-` and 12 hex digits. */
export function newSessionId(): string {
  return `s-${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/**
 * The inputs of a run request with its session settled: the one given, the parameter's default,
 * or a new id. A pipeline that declares no `session` parameter takes none (422).
 */
export function withSession(params: ParameterDecl[], inputs: Record<string, unknown>, make: () => string = newSessionId): { inputs: Record<string, unknown>; session: string | null } {
  const decl = params.find((p) => p.name === SESSION_FIELD);
  const given = Object.prototype.hasOwnProperty.call(inputs, SESSION_FIELD);
  if (!decl) {
    if (given) throw new ServeError(422, 'invalid_inputs', `'${SESSION_FIELD}' continues a conversation through the pipeline's '${SESSION_FIELD}' parameter (an agent step's memory: {session: "{{ session }}"}), which this pipeline does not declare`);
    return { inputs, session: null };
  }
  if (given) {
    const v = inputs[SESSION_FIELD];
    if (typeof v !== 'string' || !v.trim()) throw new ServeError(422, 'invalid_inputs', `'${SESSION_FIELD}' is a conversation's id, a non-empty string (give none to start a new conversation), got ${JSON.stringify(v)}`);
    // checked before any run starts: the id goes back in the Orc-Session header, which holds printable
    // ASCII only, and a header's value loses its outer spaces (" a " would come back as another id)
    if (!SESSION_ID.test(v)) throw new ServeError(422, 'invalid_inputs', `'${SESSION_FIELD}' is a conversation's id: 1 to ${MAX_SESSION_LENGTH} printable ASCII characters, with no space at either end (it is echoed in the ${SESSION_HEADER} header); got ${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)}`);
    return { inputs, session: v };
  }
  if (decl.hasDefault) return { inputs, session: decl.default === null || decl.default === undefined ? null : String(decl.default) };
  const session = make();
  return { inputs: { ...inputs, [SESSION_FIELD]: session }, session };
}
