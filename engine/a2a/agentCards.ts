// Which served pipelines `orc serve --a2a` publishes as A2A agents, and their agent cards: a
// pipeline with an agent step (at any depth) whose message can be given to one parameter, as `orc
// chat` gives it a line. The card (A2A v1.0, the @a2a-js/sdk's own AgentCard type) names the
// JSON-RPC endpoint, for protocol 1.0 and for 0.3 peers (`message/send`, `message/stream`), and
// the server's bearer tokens as its security scheme when tokens are configured.
import type { AgentCard } from '@a2a-js/sdk';
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
    securitySchemes: secured ? { bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: "orc serve's bearer token (ORC_SERVE_TOKENS or --token-file)", scheme: 'bearer', bearerFormat: '' } } } } : {},
    securityRequirements: secured ? [{ schemes: { bearer: { list: [] } } }] : [],
    defaultInputModes: ['text/plain'],
    defaultOutputModes: ['text/plain'],
    skills: [{ id: agent.served, name: agent.sp.tool.title ?? p.id, description, tags: ['pipeline'], examples: [], inputModes: ['text/plain'], outputModes: ['text/plain'], securityRequirements: [] }],
    signatures: [],
  };
}
