// `orc traces import FILE.json --pipeline P.pipeline.yaml [--json]` and
// `orc review [--unlabelled] [--json]`, `orc review label RUN_ID good|bad [--expected VALUE] [--note TEXT]`,
// `orc review cases FILE.eval.yaml`: runs from service and imported traces, reviewed from a terminal
// as the editor's Review view does it.
import * as path from 'node:path';
import { analyze, findRunsRoot, importTraces, labelledRunsToCases, labelRun, ReviewError, reviewQueue, type Verdict } from '../api/index';
import type { Style } from './findingFormat';
import { readSource, UsageError } from './input';
import { terminalLine } from './terminalText';

interface IO {
  out(s: string): void;
  err(s: string): void;
}

/** `--name VALUE` or `--name=VALUE` options and the positional arguments, checked against what the command takes. */
function parse(argv: string[], values: string[], flags: string[], command: string): { positional: string[]; opts: Map<string, string | true> } {
  const positional: string[] = [];
  const opts = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    if (!name.startsWith('--')) positional.push(name);
    else if (flags.includes(name)) opts.set(name, true);
    else if (values.includes(name)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      opts.set(name, v);
    } else throw new UsageError(`unknown option ${name} for '${command}'`);
  }
  return { positional, opts };
}

const rootHere = () => findRunsRoot(process.cwd()) ?? process.cwd();

export async function tracesCommand(argv: string[], io: IO): Promise<number> {
  if (argv[0] !== 'import') throw new UsageError("'orc traces' has one command: 'orc traces import FILE.json --pipeline P.pipeline.yaml'");
  const { positional, opts } = parse(argv.slice(1), ['--pipeline'], ['--json'], 'orc traces import');
  const pipeline = opts.get('--pipeline');
  if (positional.length !== 1 || typeof pipeline !== 'string') throw new UsageError("'orc traces import' takes one OTLP JSON file and --pipeline P.pipeline.yaml (the pipeline the traces are runs of)");
  const text = readSource(pipeline);
  const analysis = analyze(text, { pipelineFile: path.resolve(pipeline) });
  if (!analysis.pipeline) throw new UsageError(`${pipeline} is not a pipeline`);
  try {
    const r = await importTraces(process.cwd(), positional[0], pipeline, analysis);
    if (opts.has('--json')) io.out(JSON.stringify(r, null, 2));
    else {
      io.out(`imported ${r.imported.length} trace${r.imported.length === 1 ? '' : 's'} as runs of ${analysis.pipeline.id}${r.kept.length ? ` (${r.kept.length} already imported)` : ''}`);
      for (const id of r.imported) io.out(`  ${id}`);
      for (const s of r.skipped) io.err(`  skipped trace ${s.trace_id}: ${s.why}`);
      if (r.imported.length) io.out("review them with 'orc review' or the editor's Review view");
    }
    return 0;
  } catch (e) {
    if (!(e instanceof ReviewError)) throw e;
    io.err(`orc: ${e.message}`);
    return 2;
  }
}

/** `--expected`: JSON when it is an object (outputs by name), else the text itself. */
function expectedValue(v: string): unknown {
  if (!v.trimStart().startsWith('{')) return v;
  try {
    return JSON.parse(v);
  } catch {
    throw new UsageError('--expected starting with { must be a JSON object of outputs by name');
  }
}

export async function reviewCommand(argv: string[], style: Style, io: IO): Promise<number> {
  const root = rootHere();
  try {
    if (argv[0] === 'label') {
      const { positional, opts } = parse(argv.slice(1), ['--expected', '--note'], [], 'orc review label');
      const [runId, verdict] = positional;
      if (positional.length !== 2 || (verdict !== 'good' && verdict !== 'bad')) throw new UsageError("'orc review label' takes a run id and good or bad");
      const expected = opts.get('--expected');
      const note = opts.get('--note');
      const l = labelRun(root, runId, verdict as Verdict, { ...(typeof expected === 'string' ? { expected: expectedValue(expected) } : {}), ...(typeof note === 'string' ? { note } : {}) });
      io.out(`run ${l.run_id} labelled ${l.verdict}${l.expected !== undefined ? ', with the expected value' : ''}${l.note ? ', with a note' : ''}`);
      return 0;
    }
    if (argv[0] === 'cases') {
      const { positional } = parse(argv.slice(1), [], [], 'orc review cases');
      if (positional.length !== 1) throw new UsageError("'orc review cases' takes one eval file");
      const r = labelledRunsToCases(root, positional[0]);
      for (const a of r.added) io.out(`  + ${a.run_id} (${a.verdict}): expects ${a.expects}`);
      for (const l of r.left) io.err(`  left out ${l.run_id}: ${l.why}`);
      io.out(r.added.length ? `${r.added.length} case${r.added.length === 1 ? '' : 's'} added to ${path.relative(process.cwd(), r.written!) || r.written}` : 'no labelled run to add');
      return 0;
    }
    const { positional, opts } = parse(argv, [], ['--json', '--unlabelled'], 'orc review');
    if (positional.length) throw new UsageError(`'orc review' takes no argument here (did you mean 'orc review label ${positional[0]} good'?)`);
    const items = reviewQueue(root, { unlabelledOnly: opts.has('--unlabelled') });
    if (opts.has('--json')) {
      io.out(JSON.stringify(items, null, 2));
      return 0;
    }
    if (!items.length) {
      io.out('no runs from service or imports to review');
      return 0;
    }
    const head = ['RUN', 'PIPELINE', 'FROM', 'STATUS', 'STARTED (UTC)', 'LABEL', 'NOTE'];
    // a monitor's flag (monitor:NAME) beside the person's label; a flagged `orc run --monitor` run has no trigger
    const rows = items.map(({ run, label, flags }) => [run.execution_id, run.pipeline_id, run.trigger ? `${run.trigger.kind}${run.trigger.name ? ` ${run.trigger.name}` : ''}` : 'orc run', run.status, run.started_at.replace('T', ' ').slice(0, 19), `${label?.verdict ?? '-'}${flags.length ? ` (${flags.join(', ')})` : ''}`, terminalLine(label?.note ?? '').slice(0, 60)]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => terminalLine(r[i]).length)));
    const fmt = (r: string[]) => r.map((c, i) => terminalLine(c).padEnd(widths[i])).join('  ').trimEnd();
    io.out(style.color ? `\x1b[1m${fmt(head)}\x1b[0m` : fmt(head));
    for (const r of rows) io.out(fmt(r));
    return 0;
  } catch (e) {
    if (!(e instanceof ReviewError)) throw e;
    io.err(`orc: ${e.message}`);
    return 2;
  }
}
