// `orchestrator_validatePipeline`, the language-model tool with which Copilot checks a pipeline (or an
// eval file) it writes: the findings of a text or of a workspace file, the same `{file, valid,
// findings}` object `orc validate --json` prints (engine/api/validation.ts makes both). A file is read
// as the editor holds it (unsaved edits included), and only under a workspace folder. No vscode
// here: unit tests call it (client/languageModelTools.ts registers the tool).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { validationReport, type ValidateReport } from '../engine/api/index';

/** The tool's name in package.json `contributes.languageModelTools`. */
export const VALIDATE_TOOL = 'orchestrator_validatePipeline';

/** What a model passes: a text, a file, or both (the text checked as that file: an eval text needs its place). */
export interface ValidateInput {
  text?: unknown;
  file?: unknown;
}

/** The most a file may hold to be read (the analyzer reports longer texts without analyzing them). */
const MAX_FILE_BYTES = 5_000_000;

/** Where the tool reads: the workspace folders (absolute paths) and the editor's unsaved texts. */
export interface ValidateSources {
  folders: string[];
  /** The text of an open document at this absolute path, when the editor has it open. */
  openText(file: string): string | undefined;
}

/** A refusal the model reads as the tool's error, saying what to pass instead. */
export class ValidateInputError extends Error {}

/** The file named, as an absolute path under a workspace folder, and its name for the report (relative to that folder). */
export function workspaceFile(file: string, folders: string[]): { abs: string; name: string } {
  if (!folders.length) throw new ValidateInputError('No folder is open in the editor: pass the pipeline as `text`.');
  const under = (abs: string) => folders.map((f) => path.resolve(f)).find((f) => abs.startsWith(f + path.sep));
  // a relative path: the first folder that has it, else the first folder
  const candidates = path.isAbsolute(file) ? [path.resolve(file)] : folders.map((f) => path.resolve(f, file));
  const abs = candidates.find((c) => under(c) && fs.existsSync(c)) ?? candidates[0];
  const folder = under(abs);
  if (!folder) throw new ValidateInputError(`'${file}' is not under a workspace folder (${folders.join(', ')}): pass a path inside one, or the pipeline as \`text\`.`);
  return { abs, name: path.relative(folder, abs).split(path.sep).join('/') };
}

/** The report of the input: `text` as given (as `file` when both are), else the file as the editor holds it. */
export function validateInput(input: ValidateInput, sources: ValidateSources): ValidateReport {
  const text = typeof input?.text === 'string' ? input.text : undefined;
  const file = typeof input?.file === 'string' && input.file.trim() ? input.file.trim() : undefined;
  if (text === undefined && file === undefined) throw new ValidateInputError('Pass `text` (the pipeline or eval YAML) or `file` (a path in the workspace), or both.');
  if (file === undefined) return validationReport('<text>', text!);
  const { abs, name } = workspaceFile(file, sources.folders);
  if (text !== undefined) return validationReport(name, text, abs);
  return validationReport(name, readText(abs, file, sources), abs);
}

function readText(abs: string, file: string, sources: ValidateSources): string {
  const open = sources.openText(abs);
  if (open !== undefined) return open;
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw new ValidateInputError(`No file '${file}' in the workspace: pass an existing path, or the pipeline as \`text\`.`);
  }
  if (!st.isFile()) throw new ValidateInputError(`'${file}' is not a regular file.`);
  // through a link, the file itself must be in the workspace too
  const real = fs.realpathSync(abs);
  if (!sources.folders.some((f) => real.startsWith(realFolder(f) + path.sep))) throw new ValidateInputError(`'${file}' links to a file outside the workspace folders.`);
  if (st.size > MAX_FILE_BYTES) throw new ValidateInputError(`'${file}' has ${st.size} bytes; pipelines over ${MAX_FILE_BYTES} are not analyzed.`);
  return fs.readFileSync(abs, 'utf8');
}

function realFolder(folder: string): string {
  try {
    return fs.realpathSync(folder);
  } catch {
    return path.resolve(folder);
  }
}
