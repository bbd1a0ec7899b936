// A ContextLab file: a pipeline whose file is not named `*.pipeline.yaml` (ContextLab's examples are
// `*.yaml`; the editor switches such a file to a pipeline by its content, client/languageDetection.ts).
// ContextLab accepts things this format refuses, and its users' files run there: in such a file the
// findings ContextLab's own compiler would not raise are lowered to warnings that say what happens
// here, and every finding ContextLab raises as well (or that is a real mistake it misses) stays an
// error. Decisions, each read in ContextLab's source, are in docs/format.md ("ContextLab files").
import * as path from 'node:path';
import type { ParsedYaml } from '../parse/yamlDocument';
import type { Finding, FindingFix, ValuePath } from '../spec/types';
import { FINDING_CODES } from './codes';
import { removal } from './contextlabCompat';
import { editDistance } from './editDistance';

/** Whether the analysis of the pipeline in `file` reads it as ContextLab's: a file not named
 * `*.pipeline.yaml` / `*.pipeline.yml`. A text with no file (an untitled editor, stdin) is this format's. */
export function isContextlabFile(file: string | undefined): boolean {
  return !!file && !/\.pipeline\.ya?ml$/i.test(path.basename(file));
}

/**
 * The tools ContextLab registers by default (`register_default_tools`, src/orchestrator/tools/base.py
 * at 619036f). One of these that this orchestrator does not have runs in ContextLab: its step is a
 * warning here, not an unknown tool.
 */
export const CONTEXTLAB_TOOLS = [
  'headless-browser', 'web-search', 'terminal', 'filesystem', 'data-processing', 'validation', 'report-generator', 'pdf-compiler',
  'task-delegation', 'multi-model-routing', 'prompt-optimization', 'user-prompt', 'approval-gate', 'feedback-collection',
  'pipeline-executor', 'recursion-control', 'image-analysis', 'image-generation', 'audio-processing', 'video-processing',
  'mcp-server', 'mcp-memory', 'mcp-resource', 'python-executor', 'auto-debugger',
];

/** ContextLab's step kinds besides an action and a loop (its schema's `oneOf`: a step with one of
 * these keys and no `action` is valid there); this orchestrator does not run them. */
const CONTEXTLAB_STEP_KINDS = ['create_parallel_queue', 'action_loop'];

/** A key this close to a known one (did-you-mean) is taken for a typo: ContextLab would ignore it,
 * and the setting the author meant would silently not apply, so it stays an error. */
const TYPO_DISTANCE = 2;

/** `steps[0].dependencies[1]` → ['steps', 0, 'dependencies', 1] (formatPath's inverse). */
export function parsePath(p: string): ValuePath | null {
  const out: ValuePath = [];
  const re = /(?:^|\.)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/gy;
  let at = 0;
  for (let m = re.exec(p); m && m.index === at; m = re.exec(p)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]) as string);
    at = re.lastIndex;
    if (at === p.length) break;
  }
  return at === p.length ? out : null;
}

function valueAt(value: unknown, p: ValuePath): unknown {
  let v = value;
  for (const k of p) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

function warning(f: Finding, code: 'compat.unknown-key' | 'compat.unsupported-tool' | 'compat.unsupported-step', message: string, fixes?: FindingFix[]): Finding {
  const out: Finding = { ...f, code, severity: FINDING_CODES[code].severity, message };
  if (fixes?.length) out.fixes = fixes;
  else delete out.fixes;
  return out;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Whether the document is written in ContextLab's declarative format (its issue #199: `advanced_steps`,
 * `type: workflow`, steps with `inputs:` and a `type` instead of an action). ContextLab compiles it with
 * another compiler (`EnhancedYAMLProcessor`), its usual one refuses it (a step without an action), and
 * this orchestrator does not read that format: its findings are not lowered. Of ContextLab's own
 * indicators only these two are that format's alone (typed `inputs`/`outputs` are this format's too).
 */
export function isDeclarativeFormat(value: unknown): boolean {
  return isObj(value) && ('advanced_steps' in value || value.type === 'workflow');
}

/** The findings of a ContextLab file, lowered where ContextLab accepts what they report; `inline`:
 * findings of inline pipelines, which their own analysis read as ContextLab's already. */
export function asContextlabFindings(findings: Finding[], parsed: ParsedYaml, catalog: Record<string, unknown>, inline: Set<Finding> = new Set()): Finding[] {
  const value = parsed.value;
  if (isDeclarativeFormat(value)) return findings;
  // the steps that are one of ContextLab's other kinds, by their path
  const kinds = new Map<string, string>();
  for (const f of findings) {
    if (f.code !== 'step.missing-action') continue;
    const p = parsePath(f.path);
    const step = p && p[p.length - 1] === 'id' ? valueAt(value, p.slice(0, -1)) : undefined;
    const kind = step && typeof step === 'object' ? CONTEXTLAB_STEP_KINDS.find((k) => Object.prototype.hasOwnProperty.call(step, k)) : undefined;
    if (kind) kinds.set(f.path.slice(0, -'.id'.length), kind);
  }
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.severity !== 'error' || inline.has(f)) {
      out.push(f);
      continue;
    }
    if (f.code === 'step.missing-action') {
      const at = f.path.slice(0, -'.id'.length);
      const kind = kinds.get(at);
      if (kind) {
        out.push(warning(f, 'compat.unsupported-step', `Step '${f.step}' is ContextLab's ${kind} step: ContextLab runs it, this orchestrator does not (the step fails when the run reaches it).`));
        continue;
      }
    }
    if (f.code === 'schema.unknown-key') {
      const p = parsePath(f.path);
      const key = p?.[p.length - 1];
      // the key that makes the step one of ContextLab's kinds: said by the step's own warning
      if (p && typeof key === 'string' && kinds.get(f.path.slice(0, -(key.length + 1))) === key) continue;
      const typo = typeof key === 'string' && f.suggestions.length > 0 && editDistance(key, f.suggestions[0]) <= TYPO_DISTANCE;
      if (p && typeof key === 'string' && !typo) {
        const fix = removal(parsed, p);
        out.push(warning(f, 'compat.unknown-key', `${f.message} ContextLab ignores a key it does not know, and so is this one ignored here: nothing reads it.`, fix ? [fix] : undefined));
        continue;
      }
    }
    if (f.code === 'tool.unknown') {
      const p = parsePath(f.path);
      const tool = p ? valueAt(value, p) : undefined;
      if (typeof tool === 'string' && CONTEXTLAB_TOOLS.includes(tool) && !Object.prototype.hasOwnProperty.call(catalog, tool)) {
        out.push(warning(f, 'compat.unsupported-tool', `Tool '${tool}' is ContextLab's and is not built in this orchestrator: ContextLab runs the step, here it fails when the run reaches it.`));
        continue;
      }
    }
    out.push(f);
  }
  return out;
}
