// `llm_rubric`: a judge model grades a value against a rubric through the project's model runner
// (its limits, retries and breakers), answering the structured `{score, reason}`. The runner
// validates the answer and asks once more with the reason when it does not fit; a second bad
// answer (or an answer that is not JSON) makes the assertion `error`, never a pass.
import type { ModelRunner } from '../models/modelRunner';

export const JUDGE_SCHEMA = {
  type: 'object',
  properties: {
    score: { type: 'number', minimum: 0, maximum: 1, description: 'How well the output meets the rubric, from 0 (not at all) to 1 (fully).' },
    reason: { type: 'string', description: 'One or two sentences: why this score.' },
  },
  required: ['score', 'reason'],
  additionalProperties: false,
} as const;

export interface Verdict {
  score: number;
  reason: string;
  model: string;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
}

export function judgePrompt(rubric: string, output: string): string {
  return [
    'You grade the output of an LLM pipeline against a rubric.',
    `Rubric: ${rubric}`,
    '',
    'Output:',
    '"""',
    output,
    '"""',
    '',
    'Answer with a score from 0 (the output does not meet the rubric at all) to 1 (it meets it fully), and the reason in one or two sentences.',
  ].join('\n');
}

export async function judge(models: ModelRunner, model: string, rubric: string, output: string, signal: AbortSignal): Promise<Verdict> {
  const res = await models.run({
    model,
    action: 'generate_structured',
    params: { prompt: judgePrompt(rubric, output), temperature: 0 },
    system: null,
    schema: JUDGE_SCHEMA as unknown as Record<string, unknown>,
    signal,
    onText: () => undefined,
  });
  const v = res.value as { score: number; reason: string };
  return { score: v.score, reason: v.reason, model: res.model, tokensIn: res.tokens_in, tokensOut: res.tokens_out, costUsd: res.cost_usd };
}
