// `orc run`'s Interaction: questions on the terminal (read from stdin, written to stderr: stdout
// carries the results), one at a time, with the progress block paused while one is asked.
// Not interactive (CI, --json, no terminal): answers given with -i STEP_ID=VALUE, and --yes.
import * as readline from 'node:readline';
import { type Answer, type Interaction, type Question } from '../api/index';
import { paint, type Style } from './findingFormat';
import { stripControls } from './terminalText';

export interface TerminalOptions {
  /** Someone can answer on this terminal. */
  interactive: boolean;
  /** Answers given ahead, by step id. */
  answers: Map<string, unknown>;
  assumeYes: boolean;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  style: Style;
  /** Called before a question is written, and after it is answered (the progress block). */
  pause?(): void;
  resume?(): void;
}

/** A question as the terminal shows it: its texts without control sequences. */
function shownQuestion(q: Question): Question {
  const clean = (s: string | undefined) => (s === undefined ? undefined : stripControls(s));
  return { ...q, step: stripControls(q.step), prompt: stripControls(q.prompt), title: clean(q.title), detail: clean(q.detail), error: clean(q.error), default: clean(q.default), choices: q.choices?.map(stripControls) };
}

export function terminalInteraction(o: TerminalOptions): Interaction {
  let queue: Promise<unknown> = Promise.resolve();
  let lastHeading = '';
  const write = (s: string) => void o.output.write(s);
  // the progress block stays paused from one question to the next (a re-ask, a form's next question)
  let paused = false;
  let resuming: NodeJS.Timeout | null = null;
  const pause = () => {
    if (resuming) clearTimeout(resuming);
    resuming = null;
    if (!paused) o.pause?.();
    paused = true;
  };
  const resumeSoon = () => {
    resuming = setTimeout(() => {
      resuming = null;
      paused = false;
      o.resume?.();
    }, 50);
  };

  const askNow = (asked: Question, signal: AbortSignal): Promise<Answer> =>
    new Promise<Answer>((resolve, reject) => {
      // what a question shows may come from a model (an agent's call, a draft to approve): no
      // control sequence of it reaches the terminal; the answer's default is kept as given
      const q = shownQuestion(asked);
      if (signal.aborted) return reject(signal.reason);
      pause();
      const heading = `${q.step}\0${q.title ?? ''}\0${q.detail ?? ''}`;
      if (heading !== lastHeading) {
        lastHeading = heading;
        const bar = '─'.repeat(60);
        write(`\n${paint(o.style, 'bold', `${q.title ? `${q.title} ` : ''}(step ${q.step})`)}\n`);
        if (q.detail !== undefined) write(`${bar}\n${q.detail}${q.detail.endsWith('\n') ? '' : '\n'}${bar}\n`);
      }
      if (q.error) write(`${paint(o.style, 'error', '✗')} ${q.error}\n`);
      let text = `${paint(o.style, 'info', '?')} ${q.prompt}`;
      if (q.kind === 'choice' && q.choices) text += `\n${q.choices.map((c, i) => `  ${i + 1}) ${c}`).join('\n')}\n  choice`;
      if (q.kind === 'confirm') text += ' (y/n)';
      if (q.multiline) text += `\n  (end with a line holding only "."${q.default !== undefined ? '; an empty first line keeps the content as it is' : ''})\n`;
      else {
        if (q.default !== undefined && q.default.length <= 200 && !q.default.includes('\n')) text += ` [${q.default}]`;
        text += ': ';
      }

      const rl = readline.createInterface({ input: o.input, output: o.output, terminal: Boolean((o.input as { isTTY?: boolean }).isTTY) });
      const lines: string[] = [];
      let settled = false;
      const finish = (a: Answer | Error) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        rl.close();
        if (a instanceof Error) write('\n');
        resumeSoon();
        if (a instanceof Error) reject(a);
        else resolve(a);
      };
      const onAbort = () => finish(signal.reason instanceof Error ? signal.reason : new Error('cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });
      // Ctrl-C at a prompt cancels the run as it does anywhere else
      rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
      // Ctrl-D: dismissed (or, for several lines, the end of them)
      rl.on('close', () => {
        if (settled) return;
        if (q.multiline && lines.length) finish(lines.join('\n'));
        else {
          write('\n');
          finish(null);
        }
      });
      rl.on('line', (l: string) => {
        if (!q.multiline) return finish(l.trim());
        if (!lines.length && l === '' && asked.default !== undefined) return finish(asked.default);
        if (l === '.') return finish(lines.join('\n'));
        lines.push(l);
      });
      // the last line is readline's prompt, so editing the answer redraws it
      const nl = text.lastIndexOf('\n');
      if (nl >= 0) write(text.slice(0, nl + 1));
      rl.setPrompt(text.slice(nl + 1));
      rl.prompt();
    });

  return {
    interactive: o.interactive,
    assumeYes: o.assumeYes,
    answerFor: (step) => (o.answers.has(step) ? { value: o.answers.get(step) } : undefined),
    ask(q, signal) {
      // one question at a time, in the order asked
      const turn = queue.then(() => askNow(q, signal));
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
