// Which of our languages a YAML document opened as plain `yaml` is, from its first few KB: a
// pipeline (top level `steps:` and `id:` or `name:`, as ContextLab's examples are written) or an
// eval (top level `pipeline:` and `cases:`). Pure (no vscode): the extension calls it on every YAML
// document that opens, so it reads only the window it is given and never parses the whole file.

/** How much of a document is read to decide: a pipeline's header and the start of its steps. */
export const DETECTION_WINDOW = 8 * 1024;

export type DetectedLanguage = 'pipeline' | 'eval';

export interface Detection {
  language: DetectedLanguage;
  /** The keys that decided it, as the status bar shows them: `steps + id`, `pipeline + cases`. */
  reason: string;
}

/** Top-level keys that mark another YAML format which also has `name:` and `steps:` at its top
 * level (Azure Pipelines, Drone, Woodpecker, Cloud Build, Kubernetes, GitHub Actions, GitLab CI).
 * None of them is a key of a pipeline. */
const FOREIGN_KEYS = new Set(['apiVersion', 'kind', 'trigger', 'pr', 'pool', 'jobs', 'stages', 'on', 'resources', 'extends', 'platform', 'clone', 'substitutions', 'schedules']);

const KEY = /^(?:"([^"]+)"|'([^']+)'|([A-Za-z_$][\w$-]*))[ \t]*:(?:[ \t]|$)/;

interface Key {
  name: string;
  line: number;
}

/** The keys at column 0 of the first YAML document in the window, with their lines. */
function topLevelKeys(lines: string[]): Key[] {
  const keys: Key[] = [];
  let started = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^---(\s|$)/.test(line)) {
      // a second document ends the first
      if (started) break;
      continue;
    }
    if (/^\.\.\.(\s|$)/.test(line)) break;
    if (!line || /^[ \t]/.test(line) || line.startsWith('#') || line.startsWith('%')) continue;
    // a top-level sequence or flow value: not a mapping of ours
    if (/^[-[{]/.test(line)) return started ? keys : [];
    const m = KEY.exec(line);
    if (!m) continue;
    started = true;
    keys.push({ name: m[1] ?? m[2] ?? m[3], line: i });
  }
  return keys;
}

/** The keys of the first item of the block sequence after `steps:` (line `at`), or null when the
 * window does not show one or all of its keys (a flow sequence, or the window ends first; `whole`:
 * the window is the whole document). */
function firstStepKeys(lines: string[], at: number, whole: boolean): string[] | null {
  let i = at + 1;
  while (i < lines.length && (/^\s*$/.test(lines[i]) || /^\s*#/.test(lines[i]))) i++;
  const item = /^(\s*)-([ \t]+)(.*)$/.exec(lines[i] ?? '');
  if (!item) return null;
  const keyIndent = item[1].length + 1 + item[2].length;
  const keys: string[] = [];
  const first = KEY.exec(item[3]);
  if (first) keys.push(first[1] ?? first[2] ?? first[3]);
  let ended = whole;
  for (let j = i + 1; j < lines.length; j++) {
    const line = lines[j];
    if (/^\s*$/.test(line) || /^\s*#/.test(line)) continue;
    const indent = /^ */.exec(line)![0].length;
    if (indent < keyIndent) {
      ended = true;
      break;
    }
    if (indent === keyIndent) {
      const m = KEY.exec(line.slice(indent));
      if (m) keys.push(m[1] ?? m[2] ?? m[3]);
    }
  }
  // the window may end inside the first item: a key not seen yet may still come
  return ended || keys.includes('id') ? keys : null;
}

/**
 * The language of a YAML document from the start of its text (at most DETECTION_WINDOW characters
 * are read), or null when it is neither. A pipeline needs top-level `steps:` and `id:` or `name:`
 * (the SPEC's rule), no key of another YAML format that has the same two, and a first step with an
 * `id:` when the window shows one. An eval needs top-level `pipeline:` and `cases:`.
 */
export function detectLanguage(text: string): Detection | null {
  const window = text.length > DETECTION_WINDOW ? text.slice(0, DETECTION_WINDOW) : text;
  const lines = window.replace(/^\uFEFF/, '').split(/\r?\n/);
  // the last line may be cut in the middle of a key
  if (text.length > DETECTION_WINDOW) lines.pop();
  const keys = topLevelKeys(lines);
  const has = (k: string) => keys.find((x) => x.name === k);
  if (keys.some((k) => FOREIGN_KEYS.has(k.name))) return null;
  if (has('pipeline') && has('cases')) return { language: 'eval', reason: 'pipeline + cases' };
  const steps = has('steps');
  const named = has('id') ? 'id' : has('name') ? 'name' : null;
  if (!steps || !named || has('pipeline') || has('cases')) return null;
  const stepKeys = firstStepKeys(lines, steps.line, text.length <= DETECTION_WINDOW);
  if (stepKeys && !stepKeys.includes('id')) return null;
  return { language: 'pipeline', reason: `steps + ${named}` };
}
