// GET /openapi.json: an OpenAPI 3.1 document of the server, with a `POST /pipelines/{id}/runs` per
// pipeline whose body schema is the pipeline's input schema, from the same mapping `orc mcp` uses
// for its tools' schemas (engine/mcp/pipelineTools.ts, through engine/api).
import type { ServedPipeline } from '../api/index';
import { SESSION_FIELD, SESSION_HEADER } from './sessions';

type Schema = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema, description: string) => ({ description, content: { 'application/json': { schema } } });
const errorResponse = (description: string) => json(ref('Error'), description);

/** What each error status means on every route that can answer it (a route's own words win). */
const ERRORS: Record<string, string> = {
  '400': 'The request is malformed: its body is not JSON (`invalid_json`), or a header or query value is out of range.',
  '401': 'A missing or wrong bearer token.',
  '404': 'No such resource.',
  '409': 'The request conflicts with the state of the run.',
  '413': 'The body is larger than the server takes (--max-body); the connection closes after the answer.',
  '422': 'The request is well-formed but does not fit: `findings` say why.',
  '429': 'As many runs run as the server allows (--max-runs): try again after `retry-after` seconds.',
  '500': 'The server failed (a record it cannot read); the message says what.',
  '503': 'A service the run needs is not there: Restate under `--restate` (`restate_unavailable`), or the secret a webhook is signed with (`webhook_secret_missing`).',
};

/** Error responses for these statuses, with the shared words unless `own` gives a route's own. */
function errors(statuses: string[], own: Record<string, string> = {}): Record<string, Schema> {
  return Object.fromEntries(statuses.map((s) => [s, errorResponse(own[s] ?? ERRORS[s])]));
}

const COMPONENTS = {
  schemas: {
    Error: {
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, findings: { type: 'array', items: { type: 'object' } } } } },
    },
    RunAccepted: {
      type: 'object',
      required: ['run_id', 'status', 'links'],
      properties: {
        run_id: { type: 'string' },
        status: { type: 'string' },
        links: { type: 'object', properties: { self: { type: 'string' }, events: { type: 'string' }, cancel: { type: 'string' } } },
        session: { type: 'string', description: 'The conversation the run continues (a pipeline with a `session` parameter): give it as `session` in the next request.' },
      },
    },
    ResultDocument: {
      type: 'object',
      description: 'A run\'s result document (as `orc run --json` prints it); `status: running` and `pending` questions while it runs.',
      required: ['pipeline_id', 'execution_id', 'status'],
      properties: {
        pipeline_id: { type: 'string' },
        execution_id: { type: 'string' },
        status: { type: 'string', enum: ['running', 'completed', 'failed', 'cancelled'] },
        success: { type: ['boolean', 'null'] },
        outputs: { type: 'object' },
        steps: { type: 'object' },
        started_at: { type: 'string' },
        ended_at: { type: 'string' },
        trigger: { type: 'object', properties: { kind: { type: 'string', enum: ['http', 'cron', 'webhook'] }, name: { type: 'string' } } },
        pending: { type: 'array', items: { type: 'object' } },
      },
    },
    RunList: {
      type: 'object',
      required: ['runs'],
      properties: {
        runs: {
          type: 'array',
          items: { type: 'object', required: ['run_id', 'pipeline_id', 'status', 'started_at'], properties: { run_id: { type: 'string' }, pipeline_id: { type: 'string' }, status: { type: 'string' }, started_at: { type: 'string' }, ended_at: { type: ['string', 'null'] }, trigger: { type: 'object' }, session: { type: 'string' } } },
        },
      },
    },
    MonitorList: {
      type: 'object',
      description: "Each served pipeline's monitors: the window's figures over its last `window` checks that passed or failed (docs/monitors.md).",
      required: ['monitors'],
      properties: {
        monitors: {
          type: 'array',
          items: {
            type: 'object',
            required: ['pipeline', 'monitor', 'sample', 'window', 'min_checks', 'alert_below', 'checks', 'passed', 'failed', 'errors', 'dropped', 'pass_rate', 'interval', 'alerting', 'last_alert'],
            properties: {
              pipeline: { type: 'string' },
              monitor: { type: 'string' },
              sample: { type: 'number', minimum: 0, maximum: 1 },
              window: { type: 'integer' },
              min_checks: { type: 'integer' },
              alert_below: { type: ['number', 'null'] },
              checks: { type: 'integer', description: 'Checks in the window (passed + failed).' },
              passed: { type: 'integer' },
              failed: { type: 'integer' },
              errors: { type: 'integer', description: 'Checks whose judge failed or hung: neither passed nor failed.' },
              dropped: { type: 'integer', description: "Checks dropped unstarted because the monitors' queue was full." },
              pass_rate: { type: ['number', 'null'] },
              interval: { type: ['array', 'null'], items: { type: 'number' }, minItems: 2, maxItems: 2, description: "The pass rate's 95 % Wilson interval." },
              alerting: { type: 'boolean' },
              last_alert: { type: ['object', 'null'], properties: { at: { type: 'string' }, pass_rate: { type: 'number' }, failed_runs: { type: 'array', items: { type: 'string' } } } },
            },
          },
        },
      },
    },
    MonitorAlert: {
      type: 'object',
      description: "`event: monitor-alert`'s data on GET /events (the webhook's body is the same without `at`).",
      required: ['pipeline', 'monitor', 'pass_rate', 'window', 'failed_runs', 'at'],
      properties: { pipeline: { type: 'string' }, monitor: { type: 'string' }, pass_rate: { type: 'number' }, window: { type: 'integer' }, failed_runs: { type: 'array', items: { type: 'string' } }, at: { type: 'string' } },
    },
    Answer: {
      type: 'object',
      description: 'An approval: `approve` (with `arguments` to replace an agent\'s call\'s arguments); a prompt: `answer`.',
      properties: { approve: { type: 'boolean' }, arguments: {}, answer: { type: ['string', 'boolean', 'number'] } },
    },
  },
  parameters: {
    RunId: { name: 'run_id', in: 'path', required: true, schema: { type: 'string' } },
  },
  securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
};

const SESSION_WORDS = "The conversation this run continues: runs given the same id share their agent's memory. None: a new conversation, its id in the answer (`Orc-Session`, and the 202's `session`).";

/** A body schema whose `session` the server fills when it is not given (engine/serve/sessions.ts): described, and not required. */
export function sessionBody(schema: Schema): Schema {
  const props = schema.properties as Record<string, Schema> | undefined;
  if (!props?.[SESSION_FIELD]) return schema;
  const required = Array.isArray(schema.required) ? (schema.required as string[]).filter((r) => r !== SESSION_FIELD) : undefined;
  return { ...schema, properties: { ...props, [SESSION_FIELD]: { ...props[SESSION_FIELD], description: props[SESSION_FIELD].description ?? SESSION_WORDS } }, ...(required ? { required } : {}) };
}

/** A response of a pipeline with a `session` parameter names the run's session in a header. */
function withSessionHeader(sp: ServedPipeline, response: Schema): Schema {
  const props = sp.tool.inputSchema.properties as Record<string, unknown> | undefined;
  return props?.[SESSION_FIELD] ? { ...response, headers: { [SESSION_HEADER]: { description: "The run's session (the conversation it continues).", schema: { type: 'string' } } } } : response;
}

/** The operation that starts a run of one pipeline. */
function runOperation(name: string, sp: ServedPipeline): Schema {
  const tool = sp.tool;
  return {
    operationId: `run_${name.replace(/[^A-Za-z0-9_]/g, '_')}`,
    summary: tool.title ?? name,
    description: tool.description,
    tags: ['pipelines'],
    parameters: [
      { name: 'Prefer', in: 'header', required: false, description: '`wait=N`: answer with the result document when the run ends within N seconds (200), else 202.', schema: { type: 'string' } },
      { name: 'Idempotency-Key', in: 'header', required: false, description: 'The same key and body give the same run; another body with it is 409.', schema: { type: 'string', maxLength: 255 } },
    ],
    requestBody: { required: false, content: { 'application/json': { schema: sessionBody(tool.inputSchema) } } },
    responses: {
      '200': withSessionHeader(sp, json({ allOf: [ref('ResultDocument'), { type: 'object', properties: { outputs: tool.outputSchema } }] }, 'The run ended within `Prefer: wait=N`: its result document.')),
      '202': withSessionHeader(sp, json(ref('RunAccepted'), 'The run started.')),
      ...errors(['400', '401', '404', '409', '413', '422', '429', '503'], {
        '400': 'The body is not JSON (`invalid_json`), or the Idempotency-Key is empty or too long.',
        '404': 'No such pipeline.',
        '409': 'The Idempotency-Key was used with another body.',
        '422': 'The inputs do not fit the parameters (a value of the wrong type is refused, never coerced), or the pipeline does not compile now: `findings` say why.',
      }),
    },
  };
}

const runOp = (operationId: string, summary: string, responses: Schema, extra: Schema = {}) => ({ operationId, summary, tags: ['runs'], parameters: [{ $ref: '#/components/parameters/RunId' }], ...extra, responses: { ...errors(['401', '404'], { '404': 'No such run.' }), ...responses } });

/** The document, for the pipelines served now; `url`: the server's origin as the request reached it. */
export function openApiDocument(table: Map<string, ServedPipeline>, o: { version: string; secured: boolean; url?: string }): Schema {
  const paths: Record<string, Schema> = {
    '/healthz': { get: { operationId: 'healthz', summary: 'Liveness', tags: ['server'], security: [], responses: { '200': json({ type: 'object', properties: { ok: { const: true } } }, 'The server is up.') } } },
    '/openapi.json': { get: { operationId: 'openApiDocument', summary: 'This document', tags: ['server'], responses: { '200': json({ type: 'object' }, 'The OpenAPI 3.1 document of the pipelines served now.'), ...errors(['401']) } } },
    '/pipelines': { get: { operationId: 'listPipelines', summary: 'The pipelines served', tags: ['pipelines'], responses: { '200': json({ type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' }, file: { type: 'string' }, input_schema: { type: 'object' }, triggers: { type: 'array' } } } }, 'Every pipeline under the served root that compiles.'), ...errors(['401']) } } },
    '/runs': { get: { operationId: 'listRuns', summary: 'Runs recorded under the served root, newest first', tags: ['runs'], parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }, { name: 'session', in: 'query', required: false, description: "Only the runs of this conversation (their `session` input).", schema: { type: 'string' } }], responses: { '200': json(ref('RunList'), 'The runs.'), ...errors(['400', '401'], { '400': '`limit` is not a whole number from 1.' }) } } },
    '/runs/{run_id}': { get: runOp('getRun', 'A run\'s result document (so far)', { '200': json(ref('ResultDocument'), 'The document.'), ...errors(['500', '503']) }) },
    '/runs/{run_id}/events': { get: runOp('runEvents', 'The run\'s events as Server-Sent Events, from the start (or after Last-Event-ID), ending with `event: end`', { '200': { description: 'An event stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } }, '204': { description: "The run has ended and Last-Event-ID is its `end` event's id: nothing more to send (an EventSource stops reconnecting)." }, ...errors(['503']) }) },
    '/runs/{run_id}/cancel': { post: runOp('cancelRun', 'Cancels the run', { '202': json(ref('RunAccepted'), 'The run is being cancelled.'), ...errors(['409', '413', '503'], { '409': 'The run has ended.' }) }) },
    '/runs/{run_id}/answers/{step_id}': {
      post: runOp('answerStep', 'Answers a step\'s pending question (an approval gate, a prompt, an agent\'s call held for approval)', { '200': json({ type: 'object' }, 'Answered.'), ...errors(['400', '404', '409', '413', '422', '503'], { '404': 'No such run, or its step is not waiting for an answer.', '409': 'The run is not running here.', '422': 'The answer does not fit the question.' }) }, {
        parameters: [{ $ref: '#/components/parameters/RunId' }, { name: 'step_id', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('Answer') } } },
      }),
    },
    '/monitors': { get: { operationId: 'listMonitors', summary: "The served pipelines' monitors: each window's checks, pass rate, Wilson interval and last alert", tags: ['monitors'], responses: { '200': json(ref('MonitorList'), 'The monitors.'), ...errors(['401']) } } },
    '/events': { get: { operationId: 'serverEvents', summary: "The server's own events as Server-Sent Events (`event: monitor-alert`, its data a MonitorAlert), from now on or after Last-Event-ID", tags: ['monitors'], parameters: [{ name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' } }], responses: { '200': { description: 'An event stream that does not end; each `monitor-alert` event\'s data is a MonitorAlert.', content: { 'text/event-stream': { schema: { type: 'string' }, 'x-event-data': { 'monitor-alert': ref('MonitorAlert') } } } }, ...errors(['401']) } } },
    '/hooks/{name}': { post: { operationId: 'triggerWebhook', summary: 'A webhook trigger', tags: ['triggers'], parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }, { name: 'X-Hub-Signature-256', in: 'header', required: false, schema: { type: 'string' } }], requestBody: { required: false, content: { '*/*': { schema: {} } } }, responses: { '202': json(ref('RunAccepted'), 'The run started.'), ...errors(['400', '401', '404', '413', '422', '429', '503'], { '401': 'A bad or missing signature (or token).', '404': 'No such webhook.', '422': "The webhook's inputs could not be rendered from this request, or do not fit the pipeline." }) } } },
  };
  for (const [name, sp] of table) paths[`/pipelines/${encodeURIComponent(name)}/runs`] = { post: runOperation(name, sp) };
  // without tokens the server takes anonymous requests (loopback only): security is still defined, as
  // anonymous, so a generated client and a linter know there is nothing to send
  const { securitySchemes, ...rest } = COMPONENTS;
  return {
    openapi: '3.1.0',
    info: { title: 'Orchestrator pipelines', version: o.version, description: 'The pipelines served by `orc serve`: a run per POST, its events over SSE, its control (cancel, answers).', license: { name: 'MIT', identifier: 'MIT' } },
    servers: [{ url: o.url ?? '/', description: o.url ? 'This server, as the request for this document reached it.' : 'This server.' }],
    security: o.secured ? [{ bearer: [] }] : [{}],
    paths,
    components: o.secured ? { ...rest, securitySchemes } : rest,
  };
}
