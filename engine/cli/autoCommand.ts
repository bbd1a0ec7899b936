// AUTO tags on the command line: `orc auto FILE [--refresh] [--json]` resolves the tags that have no
// locked answer (all of them with --refresh), writes the lock file and lists every tag with its
// type, resolution and status; `orc run` does the same before running (`--frozen-auto` refuses an
// unresolved tag instead, `--refresh-auto` asks again).
import { existsSync } from 'node:fs';
import { type Analysis, analyze, answerContext, answersOf, type AutoType, formatPath, hasErrors, lockedAnswers, lockFileFor, type ModelRunner, orchestratorOf, readAutoLock, resolveAutoTags, type ResolveResult, writeAutoLock } from '../api/index';
import { formatFinding, paint, type Style } from './findingFormat';
import { displayName } from './input';
import { terminalText } from './terminalText';

/** The model that answers AUTO tags (see orchestratorOf). */
export function orchestratorModel(a: Analysis): string | null {
  return a.pipeline ? orchestratorOf(a.pipeline) : null;
}

export function typeName(t: AutoType): string {
  return t.kind === 'enum' ? `one of ${t.values.join('|')}` : t.kind;
}

export interface AutoPrepared {
  /** The analysis with every resolved tag in place; null when a tag could not be resolved (its findings were printed). */
  analysis: Analysis | null;
  result: ResolveResult | null;
}

/**
 * Resolves a pipeline's compile-time AUTO tags before a run: the lock's answers, and a call for each
 * missing one (`frozen`: none; a missing one is an error). Prints what it did on `err`.
 */
export async function prepareAuto(file: string, source: string, a: Analysis, o: { models: ModelRunner; refresh: boolean; frozen: boolean; style: Style; err: (s: string) => void }): Promise<AutoPrepared> {
  const compileTime = a.autoTags.filter((t) => !t.runtime);
  if (!compileTime.length) return { analysis: a, result: null };
  const lockFile = file === '-' ? null : lockFileFor(file);
  const lock = lockFile ? readAutoLock(file) : null;
  const model = orchestratorModel(a);
  if (o.frozen) {
    // no call: the lock answers every tag, or the run is refused
    const answers = lockedAnswers(a, lock, model);
    const missing = compileTime.filter((t) => !answers.has(`${formatPath(t.path)}\n${t.text}`));
    if (missing.length) {
      for (const t of missing) o.err(formatFinding(displayName(file), source, { code: 'auto.unresolved', severity: 'error', message: `This AUTO tag has no locked resolution${model ? ` by ${model}` : ''}, and --frozen-auto allows none to be made: run 'orc auto ${displayName(file)}' and commit the lock file.`, range: t.range, step: t.step, path: formatPath(t.path), suggestions: [] }, o.style));
      o.err(`${displayName(file)}: ${missing.length} AUTO tag${missing.length === 1 ? ' is' : 's are'} not resolved; nothing ran`);
      return { analysis: null, result: null };
    }
    return { analysis: analyze(source, { autoAnswers: answers }), result: null };
  }
  const result = await resolveAutoTags(a, { models: o.models, orchestrator: model, lock, refresh: o.refresh, context: answerContext(a) });
  const asked = result.outcomes.filter((x) => x.status === 'resolved').length;
  if (lockFile && asked) writeAutoLock(lockFile, result.lock);
  if (asked) o.err(`resolved ${asked} AUTO tag${asked === 1 ? '' : 's'} with ${model} (${result.calls} call${result.calls === 1 ? '' : 's'})${lockFile ? `; locked in ${displayName(lockFile)}` : ''}`);
  if (result.findings.length) {
    for (const f of result.findings) o.err(formatFinding(displayName(file), source, f, o.style));
    o.err(`${displayName(file)}: ${result.findings.length} AUTO tag${result.findings.length === 1 ? '' : 's'} could not be resolved; nothing ran`);
    return { analysis: null, result };
  }
  const resolved = analyze(source, { autoAnswers: answersOf(result.outcomes) });
  if (hasErrors(resolved.findings)) {
    for (const f of resolved.findings.filter((x) => x.severity === 'error')) o.err(formatFinding(displayName(file), source, f, o.style));
    o.err(`${displayName(file)}: the pipeline does not compile with its AUTO answers in place; nothing ran`);
    return { analysis: null, result };
  }
  return { analysis: resolved, result };
}

export async function autoCommand(file: string, source: string, a: Analysis, o: { models: ModelRunner; refresh: boolean; json: boolean; style: Style; out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const lockFile = file === '-' ? null : lockFileFor(file);
  const model = orchestratorModel(a);
  const result = await resolveAutoTags(a, { models: o.models, orchestrator: model, lock: lockFile ? readAutoLock(file) : null, refresh: o.refresh, context: answerContext(a) });
  const asked = result.outcomes.filter((x) => x.status === 'resolved').length;
  if (lockFile && (asked || (existsSync(lockFile) && o.refresh))) writeAutoLock(lockFile, result.lock);
  const failed = result.outcomes.filter((x) => x.status === 'failed');
  if (o.json) {
    o.out(
      JSON.stringify(
        {
          file: displayName(file),
          orchestrator: model,
          lock_file: lockFile ? displayName(lockFile) : null,
          calls: result.calls,
          cost_usd: result.cost_usd,
          tags: result.outcomes.map((x) => ({ path: x.path, line: x.tag.range.start.line + 1, character: x.tag.range.start.character + 1, question: x.tag.text, type: typeName(x.tag.wants), runtime: x.tag.runtime, status: x.status, value: x.value ?? null, model: x.model ?? null, ...(x.error ? { error: x.error } : {}) })),
        },
        null,
        2,
      ),
    );
  } else if (!result.outcomes.length) {
    o.out(`${displayName(file)} has no AUTO tags`);
  } else {
    o.out(paint(o.style, 'bold', `AUTO tags in ${displayName(file)} (answered by ${model ?? 'no model: set orchestrator:'})`));
    const rows = result.outcomes.map((x) => [`${x.tag.range.start.line + 1}:${x.tag.range.start.character + 1}`, x.path, typeName(x.tag.wants), x.status === 'runtime' ? '(when its step runs)' : x.value !== undefined ? terminalText(JSON.stringify(x.value), 200) : '–', x.status === 'resolved' ? 'resolved now, locked' : x.status]);
    const head = ['AT', 'PATH', 'TYPE', 'RESOLUTION', 'STATUS'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    o.out(paint(o.style, 'bold', `  ${head.map((h, i) => h.padEnd(widths[i])).join('  ')}`.trimEnd()));
    for (const r of rows) o.out(`  ${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd());
    const n = (s: string) => result.outcomes.filter((x) => x.status === s).length;
    o.out(`${n('resolved')} resolved now (${result.calls} call${result.calls === 1 ? '' : 's'}), ${n('locked')} from the lock, ${n('runtime')} at run time, ${failed.length} failed${lockFile ? `; lock: ${displayName(lockFile)}` : ''}`);
  }
  for (const f of result.findings) o.err(formatFinding(displayName(file), source, f, o.style));
  return failed.length ? 2 : 0;
}
