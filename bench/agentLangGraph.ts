// The peer of `npm run bench agent`: LangGraph JS's prebuilt ReAct agent (createReactAgent) over
// ChatOpenAI, with the same no-op tool (a zod-typed `tool()`), compiled once and invoked per run.
import { tool } from '@langchain/core/tools';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { ChatOpenAI } from '@langchain/openai';
import { z } from 'zod';

export type LangGraphAgent = (prompt: string, turns: number) => Promise<number>;

/** The agent, pointed at `baseURL`; a run returns the number of model calls it made. */
export function langGraphAgent(baseURL: string, body: () => string | Promise<string>, modelFetch: typeof import('./shippedEngine').modelFetch): LangGraphAgent {
  const noop = tool(async () => body(), { name: 'bench_noop', description: 'Does nothing.', schema: z.object({}) });
  // the fetch our providers give the openai SDK, as the floor's and ours: the three differ in the agent only
  const llm = new ChatOpenAI({ model: 'gpt-4o-mini', apiKey: 'sk-bench', maxRetries: 0, configuration: { baseURL, fetch: modelFetch } });
  const agent = createReactAgent({ llm, tools: [noop] });
  return async (prompt, turns) => {
    // each turn is two of the graph's steps (the model, the tools); the default limit of 25 stops at 12 turns
    const out = await agent.invoke({ messages: [{ role: 'user', content: prompt }] }, { recursionLimit: 2 * turns + 10 });
    return out.messages.filter((m) => m.getType() === 'ai').length;
  };
}
