// `orc explain FILE [--refresh] [--json]`: the pipeline's intention and architecture by the
// orchestrator model, checked against its steps. `orc new "DESCRIPTION" [-o FILE] [--model M]`: a
// pipeline written from a description, repaired from its findings, written only when it compiles.
import { existsSync, lstatSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { type Analysis, explain, findRunsRoot, type ModelRunner, orchestratorOf, registryOrShipped, writePipeline } from '../api/index';
import { formatFinding, paint, type Style } from './findingFormat';
import { displayName, UsageError } from './input';
import { terminalText } from './terminalText';

export async function explainCommand(file: string, source: string, a: Analysis, o: { models: ModelRunner; refresh: boolean; json: boolean; style: Style; out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const model = orchestratorOf(a.pipeline!);
  if (!model) throw new UsageError("explaining needs a model: set 'orchestrator: provider:model' in the pipeline (or ORC_ORCHESTRATOR_MODEL)");
  const stateRoot = findRunsRoot(process.cwd()) ?? process.cwd();
  let r;
  try {
    r = await explain(a, { models: o.models, model, stateRoot, refresh: o.refresh });
  } catch (e) {
    o.err(`orc explain: ${model} could not explain ${displayName(file)}: ${(e as Error).message}`);
    return 1;
  }
  const x = r.explanation;
  if (o.json) {
    o.out(JSON.stringify({ file: displayName(file), model, cached: r.cached, calls: r.calls, intention: x.intention, architecture: x.architecture, findings: x.findings }, null, 2));
    return 0;
  }
  o.out(paint(o.style, 'bold', 'Intention'));
  // model text on a terminal: no control sequences, bounded
  o.out(terminalText(x.intention));
  o.out('');
  o.out(paint(o.style, 'bold', 'Architecture'));
  o.out(terminalText(x.architecture));
  o.out('');
  o.out(paint(o.style, 'dim', `by ${model}${r.cached ? ', from the cache (the file has not changed)' : ` (${r.calls} calls)`}`));
  for (const f of x.findings) o.err(formatFinding(displayName(file), source, f, o.style));
  return 0;
}

export async function newCommand(description: string, o: { models: ModelRunner; model: string | null; output: string | null; json: boolean; style: Style; out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const model = o.model ?? (process.env.ORC_ORCHESTRATOR_MODEL || null);
  if (!model) throw new UsageError("'orc new' needs a model: --model provider:name, or ORC_ORCHESTRATOR_MODEL");
  if (!description.trim()) throw new UsageError("'orc new' needs a description of the pipeline");
  if (o.output && (existsSync(o.output) || isLink(o.output))) throw new UsageError(`${o.output} exists; 'orc new' does not overwrite files`);
  let r;
  try {
    r = await writePipeline(description, { models: o.models, model, models_available: registryOrShipped(process.env.ORC_MODEL_REGISTRY || undefined).map((m) => m.id) });
  } catch (e) {
    o.err(`orc new: ${model} could not be asked: ${(e as Error).message}; nothing written`);
    return 1;
  }
  const repairs = r.attempts - 1;
  if (!r.ok) {
    for (const f of r.errors) o.err(formatFinding('(the last answer)', r.yaml, f, o.style));
    o.err(`orc new: the pipeline ${model} wrote still does not compile after ${repairs} repair${repairs === 1 ? '' : 's'}: nothing written`);
    return 2;
  }
  const id = r.analysis!.pipeline!.id;
  const target = o.output ?? `${id.replace(/[^\w.-]+/g, '_')}.pipeline.yaml`;
  // 'wx' creates the file or fails: never through a link (a dangling one included) or over a file
  try {
    writeFileSync(target, r.yaml.endsWith('\n') ? r.yaml : `${r.yaml}\n`, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${target} exists${isLink(target) ? ' (a symbolic link)' : ''}; 'orc new' does not overwrite files (give another with -o)`);
    throw e;
  }
  const steps = r.analysis!.plan!.steps.length;
  if (o.json) o.out(JSON.stringify({ file: target, pipeline_id: id, steps, attempts: r.attempts, calls: r.calls }, null, 2));
  else o.out(`wrote ${path.relative(process.cwd(), path.resolve(target)) || target}: pipeline '${id}', ${steps} step${steps === 1 ? '' : 's'}${repairs ? `, after ${repairs} repair${repairs === 1 ? '' : 's'} of its findings` : ''} (by ${model})`);
  for (const f of r.analysis!.findings.filter((x) => x.severity !== 'info')) o.err(formatFinding(target, r.yaml, f, o.style));
  return 0;
}

/** True when the path is a symbolic link (dangling or not). */
function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
