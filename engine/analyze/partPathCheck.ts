// `images:`, `files:` and `audio:` of a model step, checked as written (a template's value is known
// only when the step runs): a run refuses a path outside the workspace (absolute, or going up with
// `..`), anything that is neither a workspace path nor an http(s) URL, and a file whose extension
// says it is of another kind (a `.pdf` under `images:`) before anything is sent
// (engine/models/contentParts.ts): the editor says so on the value itself.
import { mediaTypeOf, PART_PARAMS, type PartKind } from '../models/contentParts';
import type { Pipeline, Step, ValuePath } from '../spec/types';
import type { FindingSink } from './findingSink';

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const KIND_OF_TYPE = (t: string): PartKind => (t.startsWith('image/') ? 'image' : t.startsWith('audio/') ? 'audio' : 'file');
const PARAM_OF: Record<PartKind, string> = { image: 'images', file: 'files', audio: 'audio' };

/** What is wrong with one reference as written, or null (a template, a URL, a path inside the workspace of the right kind). */
export function partRefProblem(param: string, kind: PartKind, ref: string): string | null {
  const r = ref.trim();
  if (!r || r.includes('{{') || r.includes('<AUTO')) return null;
  if (/^https?:\/\//i.test(r)) return null;
  if (/^[A-Za-z]:[\\/]/.test(r) || r.startsWith('/') || r.startsWith('\\')) return `'${param}': '${r}' is an absolute path: a run refuses it before anything is sent. Give a path inside the workspace.`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(r)) return `'${param}': '${r}' is neither a workspace path nor an http(s) URL.`;
  if (r.split(/[\\/]+/).includes('..')) return `'${param}': '${r}' goes up with '..': a run refuses it before anything is sent. Give a path inside the workspace.`;
  const type = mediaTypeOf(r);
  if (type && KIND_OF_TYPE(type) !== kind) return `'${param}': '${r}' is ${type}, not ${kind === 'file' ? 'a document' : `an ${kind}`}: give it under '${PARAM_OF[KIND_OF_TYPE(type)]}'.`;
  return null;
}

/** PART_PARAMS's entries, listed once: this runs for every model step of every analysis. */
const PART_ENTRIES = Object.entries(PART_PARAMS);

export function checkPartPaths(pipeline: Pipeline, sink: FindingSink): void {
  const visit = (steps: Step[]) => {
    for (const step of steps) {
      if (step.body) visit(step.body);
      if (step.tool || !isObj(step.raw.parameters)) continue;
      const params = step.raw.parameters;
      for (const [param, kind] of PART_ENTRIES) {
        // most model steps give none: nothing is made for them (a path a parameter was most of what
        // an edit of a 2,000-step document allocated in this check)
        if (!Object.prototype.hasOwnProperty.call(params, param)) continue;
        const v = params[param];
        const at: ValuePath = [...step.path, 'parameters', param];
        const items: [unknown, ValuePath][] = Array.isArray(v) ? v.map((x, i) => [x, [...at, i]]) : [[v, at]];
        for (const [ref, path] of items) {
          const problem = typeof ref === 'string' ? partRefProblem(param, kind, ref) : null;
          if (problem) sink.atValue('model.part-path', problem, path, { step: step.id });
        }
      }
    }
  };
  visit(pipeline.steps);
}
