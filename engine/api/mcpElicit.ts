// Who answers an approval gate or a human prompt inside a pipeline called over MCP: the client's
// user, through MCP elicitation (`elicitation/create`), when the client declared it can; otherwise
// the question is refused with a clear error (a prompt with a default takes its default).
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { PrimitiveSchemaDefinition } from '@modelcontextprotocol/sdk/types.js';
import type { Answer, Interaction, Question } from '../toolkit/interaction';
import type { Redactor } from '../toolkit/redact';

/** A person may take long to answer: the request waits this long (the run's cancellation ends it sooner). */
const ANSWER_TIMEOUT_MS = 24 * 3600 * 1000;

/** The error a question gets when the client cannot ask its user. */
export class NoElicitationError extends Error {
  constructor(q: Question) {
    super(`Step '${q.step}' asks a person${q.title ? ` (${q.title})` : ''}, but this MCP client cannot ask its user: it did not declare the elicitation capability. Run the pipeline with 'orc run', or from a client that supports elicitation.`);
    this.name = 'ConfigurationError';
  }
}

/** The form a question is asked as: one field, `answer`. */
export function elicitationOf(q: Question, redactor: Redactor): { message: string; requestedSchema: { type: 'object'; properties: Record<string, PrimitiveSchemaDefinition>; required: string[] } } {
  const lines = [q.title ? `${q.title} (step ${q.step})` : `Step ${q.step}`];
  if (q.detail !== undefined) lines.push('', q.detail);
  if (q.error) lines.push('', `Not accepted: ${q.error}`);
  lines.push('', q.prompt);
  const dflt = q.default !== undefined ? { default: redactor.text(q.default) } : {};
  const field: PrimitiveSchemaDefinition =
    q.kind === 'confirm'
      ? { type: 'boolean', title: q.prompt }
      : q.kind === 'choice' && q.choices?.length
        ? { type: 'string', title: q.prompt, enum: q.choices, ...dflt }
        : { type: 'string', title: q.prompt, ...dflt };
  return { message: redactor.text(lines.join('\n')), requestedSchema: { type: 'object', properties: { answer: field }, required: ['answer'] } };
}

/** The Interaction of one tool call: questions go to the client that called it. */
export function mcpInteraction(server: Server, relatedRequestId: string | number, redactor: Redactor): Interaction {
  return {
    interactive: true,
    async ask(q: Question, signal: AbortSignal): Promise<Answer> {
      if (signal.aborted) throw signal.reason;
      if (!server.getClientCapabilities()?.elicitation) {
        // an empty answer takes the prompt's default
        if (q.default !== undefined && q.kind !== 'confirm') return '';
        throw new NoElicitationError(q);
      }
      const r = await server.elicitInput({ mode: 'form', ...elicitationOf(q, redactor) }, { signal, timeout: ANSWER_TIMEOUT_MS, relatedRequestId });
      if (r.action !== 'accept') return null;
      const a = r.content?.answer;
      if (q.kind === 'confirm') return typeof a === 'boolean' ? a : a === 'true' ? true : a === 'false' ? false : null;
      return a === undefined || a === null ? null : String(a);
    },
  };
}
