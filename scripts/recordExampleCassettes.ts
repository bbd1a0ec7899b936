// Records the example agents' cassettes (examples/triage.pipeline.cassette.jsonl, the triage eval's
// examples/triage.cassette.jsonl, examples/brain-muscle.pipeline.cassette.jsonl,
// examples/support-session.pipeline.cassette.jsonl: two runs of one session) against a local
// stand-in server that speaks Anthropic's
// and OpenAI's protocols and plays a scripted conversation: what `--replay` shows in the demo
// without a key. Run it from the repository's root after changing those pipelines' prompts:
//   node --import tsx scripts/recordExampleCassettes.ts [EXAMPLE...]   (none: all; e.g. support-session)
// The answers are the stand-in's, not a model's: they show the mechanism. Record your own with
// `orc run FILE --record` and a key.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, analyzeEval, createModelRunner, defaultCassetteFile, evalHasErrors, hasErrors, runEval, runPipeline } from '../engine/api/index';
import { LoopbackProviders, type Scripted } from '../test/fixtures/providers/loopbackServer';

const ROOT = path.resolve(__dirname, '..');

/** The model turns a request asks for, from 0: how many assistant messages its conversation holds. */
function turnOf(body: Record<string, unknown>): number {
  return ((body.messages ?? []) as { role?: string }[]).filter((m) => m.role === 'assistant').length;
}

const TRIAGE_REPORT = `# Bug triage: examples/triage/inbox

## Critical
- **CSV export drops rows with a comma in the name** (csv-export.md): data is lost and the export says it succeeded.
- **Login times out behind the corporate proxy** (login-timeout.md): two customers cannot use the product at all, no workaround.

## Major
(none)

## Minor
- **Dark mode: the settings icon is hard to see** (dark-mode.md): cosmetic, everything works.
`;

/** The triage agent on Anthropic's protocol: list, read the three reports at once, write, answer, and the structured answer. */
function triage(body: Record<string, unknown>): Scripted {
  const choice = body.tool_choice as { type?: string; name?: string } | undefined;
  if (choice?.type === 'tool' && choice.name === 'answer') return { json: { critical: 2, summary: 'Two critical bugs (CSV export loses data, proxy logins time out) and one cosmetic one.' }, tokensIn: 1780, tokensOut: 38 };
  switch (turnOf(body)) {
    case 0:
      return { text: "I'll start with the list of reports.", toolCalls: [{ id: 'toolu_01ListInbox', name: 'filesystem_list', arguments: { path: 'examples/triage/inbox' } }], tokensIn: 612, tokensOut: 41 };
    case 1:
      return {
        text: 'Three reports. Reading them all before ranking.',
        toolCalls: ['csv-export.md', 'dark-mode.md', 'login-timeout.md'].map((f, i) => ({ id: `toolu_0${i + 2}Read`, name: 'filesystem_read', arguments: { path: `examples/triage/inbox/${f}` } })),
        tokensIn: 803,
        tokensOut: 96,
      };
    case 2:
      return { text: 'Writing the report.', toolCalls: [{ id: 'toolu_05WriteReport', name: 'filesystem_write', arguments: { path: 'output/triage-report.md', content: TRIAGE_REPORT } }], tokensIn: 1390, tokensOut: 214 };
    default:
      return { text: 'The report is in output/triage-report.md. 2 of the 3 reports are critical: the CSV export loses data, and logins behind HTTPS proxies time out. The dark-mode icon is minor.', tokensIn: 1655, tokensOut: 52 };
  }
}

/** The planner (Anthropic, with a system prompt) delegates to the worker (OpenAI), which lists and reads the release notes. */
function brainMuscle(body: Record<string, unknown>): Scripted {
  if (typeof body.system === 'string') {
    if (turnOf(body) === 0)
      return {
        text: "I'll have the worker count the fixes in each release.",
        toolCalls: [{ id: 'toolu_01Delegate', name: 'agent__muscle', arguments: { prompt: "List the files in examples/brain-muscle/releases/. For each release, count the items under '## Fixes' and quote them." } }],
        tokensIn: 540,
        tokensOut: 70,
      };
    return { text: "2.5.0 fixed the most bugs: five, against three in 2.4.0. Its biggest fix is that signing in behind an HTTPS proxy no longer times out: it kept some customers from working at all.", tokensIn: 802, tokensOut: 58 };
  }
  switch (turnOf(body)) {
    case 0:
      return { toolCalls: [{ id: 'call_m1_list', name: 'filesystem_list', arguments: { path: 'examples/brain-muscle/releases' } }], tokensIn: 210, tokensOut: 22 };
    case 1:
      return { toolCalls: ['2.4.0.md', '2.5.0.md'].map((f, i) => ({ id: `call_m2_read${i + 1}`, name: 'filesystem_read', arguments: { path: `examples/brain-muscle/releases/${f}` } })), tokensIn: 320, tokensOut: 48 };
    default:
      return {
        text: "2.4.0: 3 fixes (search box keeps its text on reload; exports finish with an empty column; reminder times follow the user's time zone). 2.5.0: 5 fixes (signing in behind an HTTPS proxy no longer times out; CSV exports keep names with a comma; two people editing one card no longer overwrite each other; undo undoes the last change; attachments over 10 MB upload again).",
        tokensIn: 655,
        tokensOut: 120,
      };
  }
}

async function record(file: string, responder: (body: Record<string, unknown>) => Scripted): Promise<void> {
  const srv = await new LoopbackProviders().start();
  srv.responder = responder;
  const pipelineFile = path.join(ROOT, 'examples', file);
  const cassette = defaultCassetteFile(pipelineFile);
  fs.rmSync(cassette, { force: true });
  const source = fs.readFileSync(pipelineFile, 'utf8');
  const a = analyze(source);
  if (hasErrors(a.findings)) throw new Error(`${file} does not compile`);
  const env = { ANTHROPIC_API_KEY: 'stand-in', ANTHROPIC_BASE_URL: srv.origin, OPENAI_API_KEY: 'stand-in', OPENAI_BASE_URL: `${srv.origin}/v1` };
  try {
    const doc = await runPipeline(a, {
      cwd: ROOT,
      pipelineFile,
      source,
      checkpoint: false,
      models: createModelRunner({ env }),
      cassette: { mode: 'record', file: cassette },
      interaction: { interactive: false, assumeYes: true, ask: async () => null },
    });
    if (!doc.success) throw new Error(`${file} failed: ${JSON.stringify(doc.steps)}`);
    console.log(`${path.relative(ROOT, cassette)}: ${srv.requests.length} turns recorded; outputs ${JSON.stringify(doc.outputs)}`);
  } finally {
    await srv.stop();
  }
}

/** The eval's cassette (NAME.cassette.jsonl beside NAME.eval.yaml, as `orc eval --record` writes it): its cases run from the repository's root. */
async function recordEval(file: string, responder: (body: Record<string, unknown>) => Scripted): Promise<void> {
  const srv = await new LoopbackProviders().start();
  srv.responder = responder;
  const evalFile = path.join(ROOT, 'examples', file);
  const cassette = evalFile.replace(/\.eval\.yaml$/, '.cassette.jsonl');
  fs.rmSync(cassette, { force: true });
  const text = fs.readFileSync(evalFile, 'utf8');
  const analysis = analyzeEval(text, evalFile);
  if (evalHasErrors(analysis)) throw new Error(`${file} does not compile`);
  const env = { ANTHROPIC_API_KEY: 'stand-in', ANTHROPIC_BASE_URL: srv.origin };
  try {
    // the cases run from the repository's root, as `orc eval` run there does (its record goes to .orchestrator/)
    const out = await runEval({ root: ROOT, analysis, evalText: text, models: createModelRunner({ env }), env, cassette: { mode: 'record', file: cassette } });
    if (out.summary.passed !== out.summary.total) throw new Error(`${file}: ${out.summary.passed} of ${out.summary.total} passed`);
    console.log(`${path.relative(ROOT, cassette)}: ${srv.requests.length} turns recorded; ${out.summary.passed} of ${out.summary.total} cases pass`);
  } finally {
    await srv.stop();
  }
}

/** The texts of a request's user messages, in order. */
function userTexts(body: Record<string, unknown>): string[] {
  return ((body.messages ?? []) as { role?: string; content?: unknown }[]).filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content : ''));
}

const SUPPORT_QUESTIONS = ['How long does a refund take?', 'And if I paid by bank transfer?'];
const SUPPORT_ANSWERS = [
  'Once the returned item reaches our warehouse, a refund to your card takes 5 to 7 business days.',
  'Paid by bank transfer, the refund goes back to the account it came from, within 10 business days of the return reaching our warehouse.',
];

/** The support agent on OpenAI's protocol: each run reads the FAQ, then answers; the second question makes sense only with the first before it (the session). */
function supportSession(body: Record<string, unknown>): Scripted {
  const msgs = (body.messages ?? []) as { role?: string }[];
  const asked = userTexts(body);
  const n = asked.length;
  if (msgs[msgs.length - 1]?.role !== 'tool') return { toolCalls: [{ id: `call_faq_${n}`, name: 'filesystem_read', arguments: { path: 'examples/support-session/faq.md' } }], tokensIn: 180 + 150 * n, tokensOut: 24 };
  const i = SUPPORT_QUESTIONS.indexOf(asked[n - 1]);
  const heard = i > 0 && asked[n - 2] === SUPPORT_QUESTIONS[i - 1];
  return { text: i === 0 || heard ? SUPPORT_ANSWERS[i] : 'What would you like to know? I can help with returns, refunds and delivery.', tokensIn: 420 + 150 * n, tokensOut: 40 };
}

/** Two runs of one session (`memory:`), in a copy of the examples (its own .orchestrator/): the second sees the first. */
async function recordSession(file: string, questions: string[], responder: (body: Record<string, unknown>) => Scripted): Promise<void> {
  const srv = await new LoopbackProviders().start();
  srv.responder = responder;
  const cassette = defaultCassetteFile(path.join(ROOT, 'examples', file));
  fs.rmSync(cassette, { force: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-record-'));
  fs.cpSync(path.join(ROOT, 'examples'), path.join(dir, 'examples'), { recursive: true });
  const pipelineFile = path.join(dir, 'examples', file);
  const source = fs.readFileSync(pipelineFile, 'utf8');
  const a = analyze(source);
  if (hasErrors(a.findings)) throw new Error(`${file} does not compile`);
  const env = { OPENAI_API_KEY: 'stand-in', OPENAI_BASE_URL: `${srv.origin}/v1` };
  try {
    for (const message of questions) {
      const doc = await runPipeline(a, { cwd: dir, pipelineFile, source, checkpoint: false, inputs: { session: 'demo', message }, models: createModelRunner({ env }), cassette: { mode: 'record', file: cassette } });
      if (!doc.success) throw new Error(`${file} failed: ${JSON.stringify(doc.steps)}`);
      console.log(`${path.relative(ROOT, cassette)}: ${JSON.stringify(message)} answered ${JSON.stringify(doc.outputs)}`);
    }
  } finally {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void (async () => {
  const only = new Set(process.argv.slice(2));
  const wanted = (name: string) => !only.size || only.has(name);
  if (wanted('triage')) {
    await record('triage.pipeline.yaml', triage);
    await recordEval('triage.eval.yaml', triage);
  }
  if (wanted('brain-muscle')) await record('brain-muscle.pipeline.yaml', brainMuscle);
  if (wanted('support-session')) await recordSession('support-session.pipeline.yaml', SUPPORT_QUESTIONS, supportSession);
})();
