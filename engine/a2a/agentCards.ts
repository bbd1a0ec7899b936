// Which served pipelines `orc serve --a2a` publishes as A2A agents, and their agent cards: a
// pipeline with an agent step (at any depth) whose message can be given to one parameter, as `orc
// chat` gives it a line. The card (A2A v1.0, the @a2a-js/sdk's own AgentCard type, which its
// request handler takes) names the JSON-RPC endpoint, for protocol 1.0 and for 0.3 peers
// (`message/send`, `message/stream`), and the server's bearer tokens as its security scheme when
// tokens are configured. What is served is `agentCardDocument`: the A2A specification's JSON of that
// card, with the 0.3 fields beside the 1.0 ones, so that clients of either protocol read it.
import { AgentCard, SecurityScheme } from '@a2a-js/sdk';
import { messageParameterOf, type ServedPipeline, type Step } from '../api/index';

function hasAgentStep(steps: Step[]): boolean {
  return steps.some((s) => Boolean(s.agent) || (s.body ? hasAgentStep(s.body) : false));
}

/** A served pipeline published as an agent: its parameter for the message's text. */
export interface A2aAgent {
  served: string;
  sp: ServedPipeline;
  parameter: string;
}

/** The pipelines served now that are A2A agents, by their name in URLs. */
export function a2aAgents(table: Map<string, ServedPipeline>): Map<string, A2aAgent> {
  const out = new Map<string, A2aAgent>();
  for (const [served, sp] of table) {
    const p = sp.analysis.pipeline;
    if (!p || !hasAgentStep(p.steps)) continue;
    const parameter = messageParameterOf(p.parameters);
    if (parameter) out.set(served, { served, sp, parameter });
  }
  return out;
}

/** The JSON-RPC endpoint of an agent. */
export function a2aEndpoint(base: string, served: string): string {
  return `${base}/a2a/${encodeURIComponent(served)}`;
}

const BEARER_DESCRIPTION = "orc serve's bearer token (ORC_SERVE_TOKENS or --token-file): Authorization: Bearer TOKEN";

export function agentCardOf(agent: A2aAgent, base: string, version: string, secured: boolean): AgentCard {
  const url = a2aEndpoint(base, agent.served);
  const p = agent.sp.analysis.pipeline!;
  const description = agent.sp.tool.description || p.id;
  return {
    name: agent.sp.tool.title ?? p.id,
    description,
    supportedInterfaces: [
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    provider: undefined,
    version,
    capabilities: { streaming: true, pushNotifications: false, extensions: [] },
    securitySchemes: secured ? { bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: BEARER_DESCRIPTION, scheme: 'bearer', bearerFormat: '' } } } } : {},
    securityRequirements: secured ? [{ schemes: { bearer: { list: [] } } }] : [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: agent.served, name: agent.sp.tool.title ?? p.id, description, tags: ['pipeline'], examples: [], inputModes: ['text/plain'], outputModes: ['text/plain'], securityRequirements: [] }],
    signatures: [],
  };
}

/** The 0.3 JSON form of a 1.0 security scheme (the A2A 0.3 specification's `type` discriminator); only HTTP auth is ever put on a card here. */
function legacySchemeOf(scheme: SecurityScheme): Record<string, unknown> {
  const s = scheme.scheme;
  if (s?.$case !== 'httpAuthSecurityScheme') throw new Error(`No 0.3 form for the security scheme ${s?.$case ?? '(none)'}`);
  return { type: 'http', scheme: s.value.scheme, ...(s.value.description ? { description: s.value.description } : {}), ...(s.value.bearerFormat ? { bearerFormat: s.value.bearerFormat } : {}) };
}

/**
 * The card as served: the A2A 1.0 specification's JSON (protobuf JSON: `supportedInterfaces`, a
 * scheme under its oneof's name, `securityRequirements`), and beside it what a 0.3 client reads:
 * `url`, `protocolVersion` and `preferredTransport` from the card's 0.3 interface, each scheme's
 * 0.3 fields (`type: 'http'`, `scheme`) in the same entry, and `security`. A 1.0 client ignores the
 * 0.3 fields and a 0.3 client the 1.0 ones (both SDKs take a scheme with `type` as the JSON Schema
 * form, as the 0.3 specification writes it, and read it as it is).
 */
export function agentCardDocument(card: AgentCard): Record<string, unknown> {
  const doc = AgentCard.toJSON(card) as Record<string, unknown>;
  const legacy = card.supportedInterfaces.find((i) => i.protocolVersion.startsWith('0.'));
  if (legacy) Object.assign(doc, { url: legacy.url, protocolVersion: `${legacy.protocolVersion}.0`, preferredTransport: legacy.protocolBinding });
  const schemes = Object.entries(card.securitySchemes);
  if (schemes.length) doc.securitySchemes = Object.fromEntries(schemes.map(([name, scheme]) => [name, { ...(SecurityScheme.toJSON(scheme) as object), ...legacySchemeOf(scheme) }]));
  if (card.securityRequirements.length) {
    // (protobuf JSON leaves a requirement's empty list of scopes out: written, it says there are none)
    doc.securityRequirements = card.securityRequirements.map((r) => ({ schemes: Object.fromEntries(Object.entries(r.schemes).map(([name, scopes]) => [name, { list: scopes.list }])) }));
    doc.security = card.securityRequirements.map((r) => Object.fromEntries(Object.entries(r.schemes).map(([name, scopes]) => [name, scopes.list])));
  }
  return doc;
}
