// `orc chat FILE [--session ID] [-i key=value]...`: a conversation with a pipeline, turn by turn in a
// terminal. Each line read is one run: the line is given to the pipeline's one required parameter
// (`message` when it has several), `--session` fills its `session` parameter (an agent step's
// `memory: {session: "{{ session }}"}` keeps the conversation), the model's text is printed as it
// streams, tool calls and handoffs are shown on stderr as they happen. Ctrl-C cancels the turn that
// runs, not the conversation; Ctrl-C with no turn running, or the end of input, ends it.
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { createModelRunner, messageParameterOf, parseInputArg, type ParameterDecl, type ResultDocument, type RunEvent, runPipeline } from '../api/index';
import { compileOrReport } from './compile';
import type { Style } from './findingFormat';
import { readSource, UsageError } from './input';
import { EXIT, type RunIO } from './runCommand';

export interface ChatIO extends RunIO {
  /** Raw writes to stdout (the answer as it streams). */
  outRaw(s: string): void;
  input: NodeJS.ReadableStream;
  inputIsTTY: boolean;
}

/** The parameter each line fills: the one required parameter, `message` when several are required (or none is and it is declared). */
export function messageParameter(params: ParameterDecl[]): string {
  const found = messageParameterOf(params);
  if (found) return found;
  const required = params.filter((p) => p.required && !p.hasDefault && p.name !== 'session');
  const names = (required.length ? required : params).map((p) => `'${p.name}'`).join(', ');
  throw new UsageError(`'orc chat' gives each line to the pipeline's one required parameter, or to 'message'; this pipeline has ${names || 'no parameters'}: declare 'message'`);
}

const short = (v: unknown, max = 120): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? '';
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

/** What a finished turn prints when nothing streamed: its one output as text, or each output on its line. */
function answerOf(doc: ResultDocument): string {
  const outs = Object.entries(doc.outputs ?? {});
  if (outs.length === 1) return typeof outs[0][1] === 'string' ? outs[0][1] : JSON.stringify(outs[0][1]);
  return outs.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
}

export async function chatCommand(file: string, session: string | undefined, inputArgs: string[], style: Style, io: ChatIO): Promise<number> {
  if (file === '-') throw new UsageError("'orc chat' reads its turns from standard input: give the pipeline as a file");
  const source = readSource(file);
  const a = compileOrReport(file, style, io.err, source, '; nothing ran');
  if (!a || !a.pipeline) return EXIT.compile;
  const params = a.pipeline.parameters;
  const message = messageParameter(params);
  const fixed: Record<string, unknown> = {};
  try {
    for (const arg of inputArgs) {
      const [k, v] = parseInputArg(arg);
      fixed[k] = v;
    }
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const hasSession = params.some((p) => p.name === 'session');
  if (session !== undefined && !hasSession) throw new UsageError(`--session fills the pipeline's 'session' parameter, which ${file} does not declare`);
  if (hasSession) {
    // a new conversation gets its own id, said so that it can be continued
    const id = session ?? (typeof fixed.session === 'string' ? fixed.session : `chat-${randomUUID().slice(0, 8)}`);
    fixed.session = id;
    if (session === undefined) io.err(`session ${id} (continue it with --session ${id})`);
  }
  const models = createModelRunner({ env: process.env, registryFile: process.env.ORC_MODEL_REGISTRY || undefined });
  const rl = createInterface({ input: io.input, terminal: false });
  let turn: AbortController | null = null;
  let quit = false;
  const onInterrupt = () => {
    if (turn) {
      const e = new Error('The turn was cancelled');
      e.name = 'CancelledError';
      turn.abort(e);
    } else {
      quit = true;
      rl.close();
    }
  };
  process.on('SIGINT', onInterrupt);
  const prompt = () => io.inputIsTTY && io.errRaw('> ');
  try {
    prompt();
    for await (const line of rl) {
      if (quit) break;
      if (!line.trim()) {
        prompt();
        continue;
      }
      turn = new AbortController();
      let streamed = false;
      let atLineStart = true;
      const listener = (e: RunEvent) => {
        if (e.type === 'step-output' && e.stream === 'text' && e.chunk) {
          streamed = true;
          io.outRaw(e.chunk);
          atLineStart = e.chunk.endsWith('\n');
        } else if (e.type === 'tool-call-started') {
          if (!atLineStart) io.outRaw('\n');
          atLineStart = true;
          io.err(`→ ${e.call.tool} ${short(e.call.arguments)}`);
        } else if (e.type === 'tool-call-ended' && e.call.status !== 'ok') io.err(`  ${e.call.tool}: ${e.call.status}${e.call.error ? ` (${short(e.call.error)})` : ''}`);
        else if (e.type === 'agent-handoff') io.err(`→ handed to ${e.to}`);
      };
      let doc: ResultDocument;
      try {
        doc = await runPipeline(a, { cwd: process.cwd(), pipelineFile: file, source, models, inputs: { ...fixed, [message]: line }, signal: turn.signal, listeners: [listener] });
      } finally {
        turn = null;
      }
      if (streamed) {
        if (!atLineStart) io.outRaw('\n');
      } else if (doc.status === 'completed') io.out(answerOf(doc));
      if (doc.status === 'cancelled') io.err('(turn cancelled)');
      else if (!doc.success) {
        const step = doc.failed_steps?.[0];
        io.err(`orc: the turn failed${step ? ` at step '${step}'` : ''}: ${(step && doc.steps[step]?.error) ?? doc.status}`);
      }
      prompt();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    rl.close();
  }
  return quit ? EXIT.interrupted : EXIT.success;
}
