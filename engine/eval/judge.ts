// `llm_rubric`: a judge model grades a value against a rubric through the project's model runner
// (its limits, retries and breakers), answering the structured `{score, reason}`; the value is
// given as JSON data in a message of its own, never inside the instructions. The runner
// validates the answer and asks once more with the reason when it does not fit; a second bad
// answer (or an answer that is not JSON) makes the assertion `error`, never a pass.
import type { ModelRunner } from '../models/modelRunner';
import { JUDGE_SCHEMA, judgeMessages } from '../guard/judgePrompt';

// the prompt is the `judge` guard's too (engine/guard/judgePrompt.ts): one fix for both
export { JUDGE_SCHEMA, judgeMessages };

export interface Verdict {
  score: number;
  reason: string;
  model: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export async function judge(models: ModelRunner, model: string, rubric: string, output: string, signal: AbortSignal): Promise<Verdict> {
  const asked = judgeMessages(rubric, output);
  const res = await models.run({
    model,
    action: 'generate_structured',
    params: { prompt: asked.prompt, temperature: 0 },
    system: asked.system,
    schema: JUDGE_SCHEMA as unknown as Record<string, unknown>,
    signal,
    onText: () => undefined,
  });
  const v = res.value as { score: number; reason: string };
  return { score: v.score, reason: v.reason, model: res.model, tokensIn: res.tokens_in, tokensOut: res.tokens_out, costUsd: res.cost_usd };
}
