// `orc serve --a2a`: each served pipeline with an agent step as an A2A agent (agentCards.ts), on the
// server's Hono app under /a2a/ (behind its bearer tokens, as every endpoint but /healthz and the
// cards: app.ts asks isA2aCardPath):
// - GET /a2a/{id}/.well-known/agent-card.json: its card, in the A2A specification's JSON for 1.0
//   and 0.3 clients both (agentCardDocument), readable without a token: it says how to send one;
// - POST /a2a/{id} (or /a2a/{id}/, as a client given the agent's URL with its slash sends it): its
//   JSON-RPC endpoint, answered by the @a2a-js/sdk's own handlers
//   (DefaultRequestHandler: tasks, their states, cancel; JsonRpcTransportHandler: the protocol 1.0
//   methods, SendMessage, SendStreamingMessage, GetTask, CancelTask; LegacyJsonRpcTransportHandler
//   for 0.3 peers: message/send, message/stream, tasks/get, tasks/cancel, chosen as the SDK's own
//   Express router chooses, by the A2A-Version header). Streams are Server-Sent Events of JSON-RPC
//   responses.
// Tasks are kept in memory (the SDK's InMemoryTaskStore); their runs are ordinary served runs.
import { Hono, type Context } from 'hono';
import { A2A_VERSION_HEADER, type AgentCard } from '@a2a-js/sdk';
import { DefaultExecutionEventBusManager, DefaultRequestHandler, defaultServerCallContextBuilder, InMemoryTaskStore, JsonRpcTransportHandler, UnauthenticatedUser, validateVersion } from '@a2a-js/sdk/server';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import type { ServedPipeline } from '../api/index';
import { a2aAgents, agentCardDocument, agentCardOf, type A2aAgent } from './agentCards';
import { PipelineAgentExecutor, type A2aRunner } from './pipelineExecutor';
import { bodyText } from './requestBody';

export type { A2aRunner } from './pipelineExecutor';

export interface A2aOptions {
  table(): Map<string, ServedPipeline>;
  runner: A2aRunner;
  version: string;
  /** Whether the server needs a bearer token (the cards say so). */
  secured: boolean;
  log(line: string): void;
}

interface Served {
  /** The card as served (agentCardDocument), as JSON: a handler is made again only when it changes. */
  cardJson: string;
  card: AgentCard;
  v1: JsonRpcTransportHandler;
  legacy: LegacyJsonRpcTransportHandler;
}

/** What an agent keeps for as long as the server runs, whatever its card becomes: its tasks, their event buses, its runs. */
interface Kept {
  tasks: InMemoryTaskStore;
  buses: DefaultExecutionEventBusManager;
  executor: PipelineAgentExecutor;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

function rpcError(id: unknown, code: number, message: string): Record<string, unknown> {
  return { jsonrpc: '2.0', id: id ?? null, error: { code, message } };
}

/** The first value of a forwarded header (a proxy chain lists one per hop). */
const forwarded = (c: Context, name: string) => c.req.header(name)?.split(',')[0].trim();

/**
 * The server's origin as the client reached it: the cards' URLs start from it. Behind a reverse
 * proxy (TLS ended there) that is what the proxy forwards in X-Forwarded-Proto and
 * X-Forwarded-Host, when they are a scheme and a host; else the request's own.
 */
function baseOf(c: Context): string {
  const own = new URL(c.req.url);
  const proto = forwarded(c, 'x-forwarded-proto')?.toLowerCase();
  const host = forwarded(c, 'x-forwarded-host');
  const scheme = proto === 'https' || proto === 'http' ? proto : own.protocol.slice(0, -1);
  return `${scheme}://${host && /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/.test(host) ? host : own.host}`;
}

export function a2aRoutes(o: A2aOptions): Hono {
  const app = new Hono();
  const agents = () => a2aAgents(o.table());
  // an agent's tasks outlive the table's rebuilds (the pipelines' folder is watched: a file a run
  // writes there rebuilds it); its SDK handler is made again only when its card changes
  const kept = new Map<string, Kept>();
  const served = new Map<string, Served>();
  const servedOf = (c: Context): Served | null => {
    const id = c.req.param('id')!;
    const agent = agents().get(id);
    if (!agent) return null;
    const card = agentCardOf(agent, baseOf(c), o.version, o.secured);
    const cardJson = JSON.stringify(agentCardDocument(card));
    const known = served.get(id);
    if (known && known.cardJson === cardJson) return known;
    let k = kept.get(id);
    if (!k) {
      k = { tasks: new InMemoryTaskStore(), buses: new DefaultExecutionEventBusManager(), executor: new PipelineAgentExecutor(() => agents().get(id) as A2aAgent | undefined, o.runner) };
      kept.set(id, k);
    }
    const handler = new DefaultRequestHandler(card, k.tasks, k.executor, k.buses);
    const entry: Served = { cardJson, card, v1: new JsonRpcTransportHandler(handler), legacy: new LegacyJsonRpcTransportHandler(handler) };
    served.set(id, entry);
    return entry;
  };
  const notAnAgent = (c: Context) => c.json({ error: { code: 'unknown_agent', message: `No A2A agent '${c.req.param('id')}' is served here: a pipeline is one when it has an agent step and one parameter for the message (GET /pipelines lists the pipelines)` } }, 404);

  // a client given an agent's URL without its trailing slash resolves the card here, one folder up
  app.get('/.well-known/agent-card.json', (c) =>
    c.json({ error: { code: 'unknown_agent', message: `An A2A agent's card is at /a2a/ID/.well-known/agent-card.json: give a client the agent's URL with a trailing slash (${baseOf(c)}/a2a/ID/) or its card's URL` } }, 404),
  );

  app.get('/:id/.well-known/agent-card.json', (c) => {
    const s = servedOf(c);
    return s ? c.body(s.cardJson, 200, { 'content-type': 'application/json' }) : notAnAgent(c);
  });

  const endpoint = async (c: Context) => {
    const s = servedOf(c);
    if (!s) return notAnAgent(c);
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(await bodyText(c)) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return c.json(rpcError(null, -32600, 'A JSON-RPC request is a JSON object'));
      body = parsed as Record<string, unknown>;
    } catch (e) {
      return c.json(rpcError(null, -32700, `The body is not JSON: ${(e as Error).message}`));
    }
    const requestedVersion = c.req.header(A2A_VERSION_HEADER) || undefined;
    const legacy = (requestedVersion ?? '0.3') === '0.3';
    const mapError = legacy ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError : JsonRpcTransportHandler.mapToJSONRPCError;
    let result;
    try {
      const context = defaultServerCallContextBuilder({ user: new UnauthenticatedUser(), headers: c.req.header(), requestedVersion } as Parameters<typeof defaultServerCallContextBuilder>[0]);
      // (no A2A-Version header: the context says 0.3, as the protocol has it)
      validateVersion(context.requestedVersion, s.card, 'JSONRPC');
      result = await (legacy ? s.legacy : s.v1).handle(body, context);
    } catch (e) {
      return c.json(rpcError(body.id, mapError(e).code, mapError(e).message));
    }
    if (!(result && typeof (result as AsyncGenerator)[Symbol.asyncIterator] === 'function')) return c.json(result as Record<string, unknown>);
    const events = result as AsyncGenerator<unknown>;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await events.next();
          if (next.done) return controller.close();
          controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
        } catch (e) {
          o.log(`orc serve: an A2A stream of '${c.req.param('id')}' failed: ${(e as Error).message}`);
          controller.enqueue(encoder.encode(`event: error\ndata: ${JSON.stringify(rpcError(body.id, mapError(e).code, mapError(e).message))}\n\n`));
          controller.close();
        }
      },
      async cancel() {
        await events.return(undefined);
      },
    });
    return new Response(stream, { headers: SSE_HEADERS });
  };
  app.post('/:id', endpoint);
  app.post('/:id/', endpoint);
  return app;
}
