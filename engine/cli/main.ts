// `orc`: the command-line face of the engine (dist/cliMain.js; its entry, dist/cli.js, is
// engine/cli/entry.ts, which turns on Node's compile cache first).
import { editCommand } from './editCommand';
import { graphCommand } from './graphCommand';
import { readSource, UsageError } from './input';
import { planCommand } from './planCommand';
import { resumeCommand, runCommand, type DistributedOptions } from './runCommand';
import { cassetteFlagsOf } from './cassetteFlags';
import { workerCommand } from './workerCommand';
import { answerCommand, cancelCommand, durableRunCommand, durableWorkerCommand } from './durableCommands';
import { mcpCommand } from './mcpCommand';
import { serveCommand } from './serveCommand';
import { checkQueueName, createModelRunner } from '../api/index';
import { runsCommand } from './runsCommand';
import { statsCommand } from './statsCommand';
import { reportCommand } from './reportCommand';
import { autoCommand } from './autoCommand';
import { explainCommand, newCommand } from './intelCommands';
import { compileOrReport } from './compile';
import { modelsCommand } from './modelsCommand';
import { modelStatsCommand } from './modelStatsCommand';
import { validateCommand } from './validateCommand';
import { evalCommand, evalsCommand } from './evalCommand';
import { reviewCommand, tracesCommand } from './reviewCommand';
import { optimizeCommand } from './optimizeCommand';
import { improveCommand } from './improveCommand';
import { COMMAND_USAGE, suggestCommand, version } from './usage';

const USAGE = `orc — run and check AI pipelines written in YAML

Usage:
  orc validate FILE|- [FILE...] [--json]    findings; exit 0, or 2 when any error
  orc plan FILE [--json]                    levels and critical path
  orc graph FILE --format json|dot|mermaid  the DAG
  orc run FILE [-i|--input key=value]... [--json] [--max-parallel N] [--frozen-auto|--refresh-auto] [--yes] [--budget-usd X] [--redis URL] [--trace-endpoint URL] [--monitor]
                                            runs it; progress on stderr, a summary (the result document with --json) on stdout;
                                            an -i value is read as JSON when it parses, else as a string;
                                            -i STEP_ID=VALUE answers a step that asks a person (an agent's approve: true calls: =approve or =deny);
                                            --yes approves approval gates and agents' calls
                                            --redis URL [--queue NAME]: its steps run on 'orc worker' processes (BullMQ on Redis)
                                            --record | --replay [--cassette PATH] [--live STEP,...] [--replay-tools]: model calls (and
                                            agents' tool calls) recorded to (or answered from, offline) NAME.cassette.jsonl beside the pipeline
  orc resume RUN_ID [-i key=value]... [--json] [--redis URL] [--record|--replay [--cassette PATH] [--replay-tools]]
                                            finishes a stopped run without re-running completed steps;
                                            -i key=value gives a secret input again (never recorded)
  orc worker --redis URL [--concurrency N] [--queue NAME] [--root DIR] [--metrics-port N]
                                            runs the steps of 'orc run --redis' (Ctrl-C: stop after the running steps)
  orc run FILE --restate INGRESS_URL [--detach] | orc run --restate INGRESS_URL --attach RUN_ID
                                            a durable run on Restate (it outlives this process); orc cancel RUN_ID --restate INGRESS_URL;
                                            orc answer RUN_ID STEP VALUE --restate INGRESS_URL answers a step that asks a person
  orc worker --restate ADMIN_URL [--listen HOST:PORT] [--root DIR]
                                            serves durable runs and registers with Restate
  orc fork RUN_ID --at STEP[.TURN] [-i STEP=VALUE]... [-i key=value]... [--json] [--record|--replay [--cassette PATH] [--live STEP,...] [--replay-tools]]
                                            a new run from a past one: the steps (or an agent's turns) before STEP answered from its record, STEP on run again
  orc chat FILE [--session ID] [-i key=value]...
                                            a conversation with the pipeline, a line a turn (streamed; Ctrl-C cancels the turn)
  orc mcp [--root DIR]                      serves the pipelines under DIR (default: here) as MCP tools on stdio
  orc serve [--root DIR] [--host 127.0.0.1] [--port 8420] [--token-file F] [--max-runs N] [--max-body BYTES] [--restate INGRESS_URL] [--a2a] [--metrics-port N]
                                            serves the pipelines under DIR over HTTP: runs, live events (SSE), cron and webhook triggers, monitors
  orc runs [--json]                         past runs in .orchestrator/
  orc stats [FILE|--all] [--since 7d] [--json]
                                            success rate, p50/p95 duration, cost and tokens per pipeline and step
  orc auto FILE [--refresh] [--json]        resolves the AUTO tags that have no locked answer, and lists them all
  orc explain FILE [--refresh] [--json]     the pipeline's intention and architecture, checked against its steps
  orc new "DESCRIPTION" [-o FILE] [--model M]  writes a pipeline from a description (only one that compiles)
  orc report RUN_ID [--json]                a finished run's critical path, waits, retries and suggestions
  orc eval FILE.eval.yaml [--variant NAME]... [--case ID]... [--max-parallel N] [--json] [--junit FILE]
           [--baseline EVAL_ID|latest] [--estimate] [--resume[=EVAL_ID]] [--no-cache] [--record | --replay [--live STEP]...]
           [--against REF] [--quarantine] [--coverage OUT.info]
                                            runs every case of an eval on every variant and judges it; exit 1 under its threshold;
                                            --against REF runs it as it is at a git ref too and prints the markdown comparison
  orc eval add FILE.eval.yaml RUN_ID [--expect] [--step ID]  appends a run's inputs (and outputs, --expect) as a case;
                                            --step: that step alone, frozen (upstream values, tool results as mocks)
  orc evals [--json]                        past evals in .orchestrator/evals/
  orc review [--unlabelled] [--json]        runs from service and imported traces, with their labels
  orc review label RUN_ID good|bad [--expected VALUE] [--note TEXT]   a person's verdict on a run
  orc review cases FILE.eval.yaml           the labelled runs of the eval's pipeline become its cases
  orc traces import FILE.json --pipeline P.pipeline.yaml   OTLP JSON traces (GenAI spans) as runs to review
  orc optimize FILE.eval.yaml --models M1,M2,... [--steps ID,...] [--budget-runs N] [--min-pass-rate R]
           [--objective cost|latency] [--estimate] [--json] [--apply] [--record|--replay]  |  orc optimize --list [--json]
                                            the cheapest model per step that keeps the eval passing; exit 1 when none does
  orc improve FILE.eval.yaml [--steps ID,...] [--reflect MODEL] [--max-evals N] [--budget-usd X] [--validation R]
           [--seed N] [--record|--replay] [--apply] [--json]  |  orc improve --list [--json]
                                            searches better prompts for the model steps against the eval (reflective, Pareto front)
  orc models [--json]                       the model registry and which providers have keys
  orc edit FILE connect FROM TO | disconnect FROM TO | add-step ID --action A [--tool T] [--after STEP] [--param K=V]...
           | remove-step ID | duplicate ID | rename OLD NEW | move-into LOOP STEP | move-out STEP
           | reorder STEP --before X  [--dry-run] [--json]
                                            the graph editor's operations as minimal edits of the file (TO gains FROM as a dependency)
  orc models --stats [--json]               per model, from the run records: latency, errors, tokens/s, cost
  orc help [COMMAND]                        this text, or one command's usage (also: orc COMMAND --help)
  orc --version                             the version

Exit codes: 0 success, 1 a step failed, 2 the pipeline did not compile (or bad usage), 130 interrupted.`;

interface Parsed {
  command: string;
  positional: string[];
  flags: Map<string, string | true>;
  /** Every `-i key=value`, in order. */
  inputs: string[];
  /** Every `--param name=value` (orc edit add-step), in order. */
  params: string[];
}

const VALUE_FLAGS = new Set(['--at', '--session', '--format', '--max-parallel', '-o', '--output', '--model', '--redis', '--queue', '--concurrency', '--root', '--tool', '--action', '--after', '--before', '--cassette', '--live', '--trace-endpoint', '--metrics-port', '--since', '--restate', '--attach', '--listen', '--host', '--port', '--token-file', '--max-runs', '--max-body', '--budget-usd']);
const CASSETTE_FLAGS = ['--record', '--replay', '--cassette', '--live', '--replay-tools'];

export function parseArgs(argv: string[]): Parsed {
  const [command = 'help', ...rest] = argv;
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const inputs: string[] = [];
  const params: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '-' || !a.startsWith('-')) positional.push(a);
    else if (a === '-i' || a === '--input') {
      if (i + 1 >= rest.length) throw new UsageError(`${a} needs key=value`);
      inputs.push(rest[++i]);
    } else if (a === '--param') {
      if (i + 1 >= rest.length) throw new UsageError(`${a} needs name=value`);
      params.push(rest[++i]);
    }
    else if (a.includes('=') && a.startsWith('--')) flags.set(a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1));
    else if (VALUE_FLAGS.has(a)) {
      if (i + 1 >= rest.length) throw new UsageError(`${a} needs a value`);
      flags.set(a, rest[++i]);
    } else flags.set(a, true);
  }
  return { command, positional, flags, inputs, params };
}

/** The model runner of a command that asks a model: the SDKs' environment variables, the registry (ORC_MODEL_REGISTRY laid over the shipped one). */
function modelRunner() {
  return createModelRunner({ env: process.env, registryFile: process.env.ORC_MODEL_REGISTRY || undefined });
}

function allowOnly(p: Parsed, allowed: string[]): void {
  for (const f of p.flags.keys()) if (!allowed.includes(f)) throw new UsageError(`unknown option ${f} for 'orc ${p.command}'`);
}

function oneFile(p: Parsed): string {
  if (p.positional.length !== 1) throw new UsageError(`'orc ${p.command}' takes one pipeline file`);
  return p.positional[0];
}

const defaultIO = {
  out: (s: string) => void process.stdout.write(s + '\n'),
  err: (s: string) => void process.stderr.write(s + '\n'),
  errRaw: (s: string) => void process.stderr.write(s),
  errIsTTY: Boolean(process.stderr.isTTY),
};

function positiveInt(v: string | true | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag} takes a whole number of at least 1`);
  return n;
}

/** `--budget-usd X`: dollars, when given. */
function dollars(v: string | true | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} takes an amount of dollars (0.50)`);
  return n;
}

/** `--trace-endpoint URL[,URL]`, when given. */
function traceOf(p: { flags: Map<string, string | true> }): { traceEndpoint?: string } {
  const v = p.flags.get('--trace-endpoint');
  if (v === undefined) return {};
  if (typeof v !== 'string' || !v) throw new UsageError('--trace-endpoint needs an OTLP/HTTP URL, e.g. http://127.0.0.1:4318');
  return { traceEndpoint: v };
}

/** `--restate URL`: Restate's ingress (orc run, orc cancel) or admin API (orc worker). */
function restateUrl(p: Parsed): string {
  const url = p.flags.get('--restate');
  if (typeof url !== 'string' || !/^https?:\/\/./.test(url)) throw new UsageError('--restate needs a URL: http://HOST:PORT');
  return url;
}

/** `--redis URL [--queue NAME]`, when given. */
function distributedOf(p: Parsed): DistributedOptions | undefined {
  const url = p.flags.get('--redis');
  const queue = p.flags.get('--queue');
  if (url === undefined) {
    if (queue !== undefined) throw new UsageError('--queue goes with --redis URL');
    return undefined;
  }
  if (typeof url !== 'string' || !url) throw new UsageError('--redis needs a URL: redis://[user:password@]host[:port][/db]');
  if (queue !== undefined) {
    if (typeof queue !== 'string') throw new UsageError('--queue needs a name');
    const bad = checkQueueName(queue);
    if (bad) throw new UsageError(bad);
  }
  return { url, queue: typeof queue === 'string' ? queue : undefined };
}

export async function main(argv: string[], io = defaultIO): Promise<number> {
  const style = { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR };
  const errStyle = { color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR };
  try {
    const p = parseArgs(argv);
    if (p.command === '--version' || p.command === '-V') {
      io.out(version());
      return 0;
    }
    if ((p.flags.has('--help') || p.flags.has('-h')) && COMMAND_USAGE[p.command]) {
      io.out(COMMAND_USAGE[p.command]);
      return 0;
    }
    if (p.command === 'help' && p.positional.length === 1 && COMMAND_USAGE[p.positional[0]]) {
      io.out(COMMAND_USAGE[p.positional[0]]);
      return 0;
    }
    switch (p.command) {
      case 'validate':
        allowOnly(p, ['--json']);
        if (!p.positional.length) throw new UsageError("'orc validate' needs a file (or - for standard input)");
        return await validateCommand(p.positional, p.flags.has('--json'), style, io.out, io.err);
      case 'plan':
        allowOnly(p, ['--json']);
        return planCommand(oneFile(p), p.flags.has('--json'), style, io.out, (s) => io.err(s));
      case 'graph': {
        allowOnly(p, ['--format']);
        const format = p.flags.get('--format');
        return graphCommand(oneFile(p), typeof format === 'string' ? format : 'json', errStyle, io.out, io.err);
      }
      case 'run': {
        if (p.flags.has('--restate')) {
          allowOnly(p, ['--restate', '--attach', '--detach', '--json', '--max-parallel', '--yes', '--frozen-auto', '--refresh-auto']);
          const attach = p.flags.get('--attach');
          if (attach === true) throw new UsageError('--attach needs a run id');
          return await durableRunCommand({ url: restateUrl(p), file: p.positional.length ? oneFile(p) : null, attach: attach ?? null, detach: p.flags.has('--detach'), inputArgs: p.inputs, json: p.flags.has('--json'), maxParallel: positiveInt(p.flags.get('--max-parallel'), '--max-parallel'), yes: p.flags.has('--yes'), auto: { frozen: p.flags.has('--frozen-auto'), refresh: p.flags.has('--refresh-auto') } }, errStyle, io);
        }
        allowOnly(p, ['--json', '--max-parallel', '--frozen-auto', '--refresh-auto', '--yes', '--redis', '--queue', ...CASSETTE_FLAGS, '--trace-endpoint', '--budget-usd', '--monitor']);
        if (p.flags.has('--frozen-auto') && p.flags.has('--refresh-auto')) throw new UsageError('--frozen-auto and --refresh-auto contradict each other');
        return await runCommand(oneFile(p), p.inputs, p.flags.has('--json'), positiveInt(p.flags.get('--max-parallel'), '--max-parallel'), errStyle, io, { frozen: p.flags.has('--frozen-auto'), refresh: p.flags.has('--refresh-auto') }, p.flags.has('--yes'), distributedOf(p), cassetteFlagsOf(p.flags), traceOf(p), dollars(p.flags.get('--budget-usd'), '--budget-usd'), p.flags.has('--monitor'));
      }
      case 'worker': {
        if (p.flags.has('--restate')) {
          allowOnly(p, ['--restate', '--listen', '--root']);
          if (p.positional.length) throw new UsageError("'orc worker' takes no file");
          const listen = p.flags.get('--listen');
          const root = p.flags.get('--root');
          return await durableWorkerCommand({ adminUrl: restateUrl(p), listen: typeof listen === 'string' ? listen : undefined, root: typeof root === 'string' ? root : undefined }, io.err);
        }
        allowOnly(p, ['--redis', '--queue', '--concurrency', '--root', '--metrics-port']);
        if (p.positional.length) throw new UsageError("'orc worker' takes no file: it runs the steps of 'orc run --redis'");
        const d = distributedOf(p);
        if (!d) throw new UsageError("'orc worker' needs --redis URL (redis://[user:password@]host[:port][/db])");
        const root = p.flags.get('--root');
        return await workerCommand({ ...d, concurrency: positiveInt(p.flags.get('--concurrency'), '--concurrency'), root: typeof root === 'string' ? root : undefined, metricsPort: positiveInt(p.flags.get('--metrics-port'), '--metrics-port') }, io.err);
      }
      case 'fork': {
        allowOnly(p, ['--at', '--json', ...CASSETTE_FLAGS]);
        const at = p.flags.get('--at');
        if (typeof at !== 'string' || !at) throw new UsageError("'orc fork' needs --at STEP: the step the new run starts again from");
        if (p.positional.length !== 1) throw new UsageError("'orc fork' takes one run id");
        const { forkCommand } = await import('./forkCommand.js');
        return await forkCommand(p.positional[0], at, p.inputs, p.flags.has('--json'), errStyle, io, cassetteFlagsOf(p.flags));
      }
      case 'chat': {
        allowOnly(p, ['--session']);
        const session = p.flags.get('--session');
        if (session === true || session === '') throw new UsageError('--session needs an id');
        const { chatCommand } = await import('./chatCommand.js');
        return await chatCommand(oneFile(p), session, p.inputs, errStyle, { ...io, outRaw: (s: string) => void process.stdout.write(s), input: process.stdin, inputIsTTY: Boolean(process.stdin.isTTY) });
      }
      case 'mcp': {
        allowOnly(p, ['--root']);
        if (p.positional.length) throw new UsageError("'orc mcp' takes no file: it serves every pipeline under --root DIR");
        const root = p.flags.get('--root');
        if (root === true || root === '') throw new UsageError('--root needs a folder');
        return await mcpCommand(root, io.err);
      }
      case 'serve': {
        allowOnly(p, ['--root', '--host', '--port', '--token-file', '--max-runs', '--max-body', '--restate', '--a2a', '--metrics-port']);
        if (p.positional.length) throw new UsageError("'orc serve' takes no file: it serves every pipeline under --root DIR");
        const str = (flag: string) => {
          const v = p.flags.get(flag);
          if (v === true || v === '') throw new UsageError(`${flag} needs a value`);
          return v;
        };
        const port = str('--port');
        if (port !== undefined && (!/^\d+$/.test(port) || Number(port) > 65535)) throw new UsageError(`--port takes a port number up to 65535 (0: any free port), got '${port}'`);
        return await serveCommand({ root: str('--root'), host: str('--host'), port: port === undefined ? undefined : Number(port), tokenFile: str('--token-file'), maxRuns: positiveInt(p.flags.get('--max-runs'), '--max-runs'), maxBody: positiveInt(p.flags.get('--max-body'), '--max-body'), restate: str('--restate'), a2a: p.flags.has('--a2a'), metricsPort: positiveInt(p.flags.get('--metrics-port'), '--metrics-port') }, io.out, io.err);
      }
      case 'explain':
      case 'auto': {
        // both ask the orchestrator model about a pipeline that compiles
        allowOnly(p, ['--json', '--refresh']);
        const file = oneFile(p);
        const source = readSource(file);
        const a = compileOrReport(file, errStyle, io.err, source);
        if (!a) return 2;
        const o = { models: modelRunner(), refresh: p.flags.has('--refresh'), json: p.flags.has('--json'), style, out: io.out, err: io.err };
        return await (p.command === 'explain' ? explainCommand(file, source, a, o) : autoCommand(file, source, a, o));
      }
      case 'new': {
        allowOnly(p, ['--json', '-o', '--output', '--model']);
        if (p.positional.length !== 1) throw new UsageError(`'orc new' takes one description, in quotes: orc new "a pipeline that …"`);
        const output = p.flags.get('-o') ?? p.flags.get('--output');
        const model = p.flags.get('--model');
        return await newCommand(p.positional[0], { models: modelRunner(), model: typeof model === 'string' ? model : null, output: typeof output === 'string' ? output : null, json: p.flags.has('--json'), style: errStyle, out: io.out, err: io.err });
      }
      case 'cancel':
        allowOnly(p, ['--restate']);
        if (p.positional.length !== 1) throw new UsageError("'orc cancel' takes one run id");
        return await cancelCommand(p.positional[0], restateUrl(p), io);
      case 'answer':
        allowOnly(p, ['--restate']);
        return await answerCommand(p.positional, restateUrl(p), io);
      case 'resume':
        allowOnly(p, ['--json', '--redis', '--queue', ...CASSETTE_FLAGS, '--trace-endpoint']);
        if (p.positional.length !== 1) throw new UsageError("'orc resume' takes one run id (see 'orc runs')");
        return await resumeCommand(p.positional[0], p.flags.has('--json'), errStyle, io, distributedOf(p), cassetteFlagsOf(p.flags), p.inputs, traceOf(p));
      case 'runs':
        allowOnly(p, ['--json']);
        return runsCommand(p.flags.has('--json'), style, io.out, io.err);
      case 'stats': {
        allowOnly(p, ['--json', '--all', '--since']);
        if (p.positional.length > 1) throw new UsageError("'orc stats' takes at most one pipeline file");
        const since = p.flags.get('--since');
        return statsCommand({ file: p.positional[0] ?? null, all: p.flags.has('--all'), since: typeof since === 'string' ? since : null, json: p.flags.has('--json'), style }, io.out, io.err);
      }
      case 'report':
        allowOnly(p, ['--json']);
        if (p.positional.length !== 1) throw new UsageError("'orc report' takes one run id (see 'orc runs')");
        return reportCommand(p.positional[0], p.flags.has('--json'), style, io.out, io.err);
      case 'edit': {
        allowOnly(p, ['--dry-run', '--json', '--tool', '--action', '--after', '--before']);
        const [file, operation, ...args] = p.positional;
        if (!file || !operation) throw new UsageError(COMMAND_USAGE.edit);
        const flag = (f: string) => (typeof p.flags.get(f) === 'string' ? (p.flags.get(f) as string) : undefined);
        return editCommand({ file, operation, args, tool: flag('--tool'), action: flag('--action'), after: flag('--after'), before: flag('--before'), params: p.params, dryRun: p.flags.has('--dry-run'), json: p.flags.has('--json') }, errStyle, io.out, io.err);
      }
      case 'eval':
        // its options repeat (--variant, --case): it reads its own arguments
        return await evalCommand(argv.slice(1), style, errStyle, io);
      case 'optimize':
        // --models and --steps take comma lists: it reads its own arguments
        return await optimizeCommand(argv.slice(1), style, errStyle, io);
      case 'improve':
        // --steps takes a comma list: it reads its own arguments
        return await improveCommand(argv.slice(1), style, errStyle, io);
      case 'evals':
        allowOnly(p, ['--json']);
        if (p.positional.length) throw new UsageError("'orc evals' takes no argument");
        return evalsCommand(p.flags.has('--json'), style, io.out, io.err);
      case 'models':
        allowOnly(p, ['--json', '--stats']);
        if (p.flags.has('--stats')) return modelStatsCommand(p.flags.has('--json'), style, io.out);
        return await modelsCommand(p.flags.has('--json'), style, io.out);
      case 'review':
        // 'label' takes free text (--note, --expected): it reads its own arguments
        return await reviewCommand(argv.slice(1), style, io);
      case 'traces':
        return await tracesCommand(argv.slice(1), io);
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return 0;
      default: {
        const guess = suggestCommand(p.command);
        throw new UsageError(`unknown command '${p.command}'${guess ? ` — did you mean '${guess}'?` : ''}`);
      }
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`orc: ${e.message}`);
      io.err("run 'orc help' for usage");
      return 2;
    }
    throw e;
  }
}

/** Runs `orc` with this process's arguments, its exit code set when it ends (engine/cli/entry.ts calls it). */
export function runAsProcess(): void {
  // a closed pipe (`orc validate x | head`) ends the output, not the process with a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`orc: internal error: ${(e as Error)?.stack ?? e}\n`);
      process.exitCode = 70;
    },
  );
}

if (require.main === module) runAsProcess();
