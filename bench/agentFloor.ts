// The floor of `npm run bench agent`: the least code an agent can be, a hand-written loop over the
// `openai` SDK (ask, run the calls the model asked for, append their results, ask again), with no
// limits, events, records or checks. What ours and LangGraph add is measured over this.
import OpenAI from 'openai';

type Message = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** The no-op tool as the model is told of it: the same wire name and schema the other two send. */
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'bench_noop', description: 'Does nothing.', parameters: { type: 'object', properties: {}, additionalProperties: false } } },
];

/** Runs one agent to its answer; returns the number of model calls it made. */
export async function runFloorAgent(client: OpenAI, prompt: string, tool: () => string | Promise<string>): Promise<number> {
  const messages: Message[] = [{ role: 'user', content: prompt }];
  for (let turn = 1; ; turn++) {
    const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: TOOLS });
    const msg = r.choices[0].message;
    if (!msg.tool_calls?.length) return turn;
    messages.push(msg);
    const results = await Promise.all(
      msg.tool_calls.map(async (c): Promise<Message> => {
        if (c.type === 'function') JSON.parse(c.function.arguments || '{}');
        return { role: 'tool', tool_call_id: c.id, content: await tool() };
      }),
    );
    messages.push(...results);
  }
}
