// `orc improve`: a reflective search of a pipeline's prompts against its eval (SPEC "Improving a
// pipeline"). This module is the public surface the CLI and the editor use; the search lives beside it.
import type { TextEdit } from '../edit/textEdits';
import { promptTextEdits } from '../edit/prompts';
import { listImproveRecords as listRecords } from './records';
import { runImprove } from './improve';

export { ImproveInputError, improveCassetteFile, reflectionPrompt, templateNames, DEFAULT_VALIDATION, DEFAULT_SEED } from './improve';
export { isValidationCase, searchPrompts, type CaseFeedback, type Stopped } from './search';
export { sha256Text, promptsOf } from '../edit/prompts';

export type { ImproveCandidate, ImproveEvent, ImproveOptions, ImproveResult } from './types';
import type { ImproveOptions, ImproveResult } from './types';

export async function improvePrompts(opts: ImproveOptions): Promise<ImproveResult> {
  return runImprove(opts);
}

/** The chosen prompts as minimal edits of the pipeline's text; throws EditRefused (engine/edit/textEdits.ts) for an alias or a changed file. */
export function promptEdits(pipelineText: string, prompts: Record<string, string>, expectedSha256?: string): TextEdit[] {
  return promptTextEdits(pipelineText, prompts, expectedSha256);
}

export function listImproveRecords(root: string): { id: string; dir: string; evalFile: string; startedAt: string; stopped: string | null; train: { before: number; after: number } | null }[] {
  return listRecords(root);
}
