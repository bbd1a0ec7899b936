// What `orc help`, `orc COMMAND --help`, `orc --version` and a mistyped command print.

export const COMMAND_USAGE: Record<string, string> = {
  validate: `orc validate FILE|- [FILE...] [--json]
  Checks pipelines and prints their findings. Exit 0, or 2 when any finding is an error.`,
  plan: `orc plan FILE [--json]
  Prints the execution levels and the critical path.`,
  graph: `orc graph FILE --format json|dot|mermaid
  Prints the pipeline's DAG.`,
  run: `orc run FILE [-i|--input key=value]... [--json] [--max-parallel N] [--frozen-auto|--refresh-auto] [--yes] [--budget-usd X]
           [--record | --replay [--cassette PATH] [--live STEP,...] [--replay-tools]] [--monitor]
  Runs the pipeline. Progress goes to stderr; a summary (or the result document with --json) to stdout.
  AUTO tags take their locked answers; missing ones are asked first (--refresh-auto: all of them;
  --frozen-auto: none, an unresolved tag refuses the run with exit 2, for CI).
  An -i value is read as JSON when it parses as JSON (-i n=3, -i tags='["a"]'), else as a string.
  --budget-usd X sets the run's budget in dollars, or lowers the pipeline's budget.max_cost_usd (docs/guardrails.md).
  --monitor: after the result, the pipeline's monitors: check the run, each verdict on stderr, each check
  written to .orchestrator/monitors/NAME.jsonl, a failed run flagged for review (docs/monitors.md).
  Steps that ask a person (user-prompt, approval-gate, feedback-collection) ask on the terminal when
  stdin and stderr are terminals and --json is not given. Otherwise answer them ahead: -i STEP_ID=VALUE
  (a key that is not a parameter of the pipeline but the id of such a step), e.g. -i gate=approve,
  -i gate='reject: REASON', -i form='{"q1": 4}'; --yes approves every approval gate and takes each
  prompt's default without asking. An agent step whose tools: hold an approve: true entry asks the
  same way before each such call: -i STEP_ID=approve or -i STEP_ID=deny answers every one of its
  calls, --yes approves them; with neither and no terminal, each is denied (the model is told).
  An agent step prints a line per tool call under its step on stderr: the tool, its arguments,
  how long it took, and the status when not ok (error, denied, refused).
  --record writes every model call's answer (text, structured data, streamed deltas, tokens, cost)
  to a cassette, NAME.cassette.jsonl beside the pipeline (NAME: the file name without .yaml/.yml;
  --cassette PATH for another). --replay answers every model call from it: no network, no API key,
  the same outputs, tokens and cost; a call it has no answer for fails its step and says what
  differs from the nearest recorded call. --live STEP,... (with --replay): those steps call the
  real model. Agents' tool calls are recorded too; a replay runs them for real unless
  --replay-tools (with --replay) answers them from the cassette as well (no tool runs, no file is
  written). See docs/run.md.
  --trace-endpoint URL[,URL]: send the run's OpenTelemetry trace there too, beside
  OTEL_EXPORTER_OTLP_ENDPOINT (see docs/telemetry.md).
  orc run FILE --restate INGRESS_URL [-i key=value]... [--json] [--max-parallel N] [--yes] [--detach]
  A durable run on Restate (docs/durable.md): submitted as a workflow keyed by its run id, run by
  'orc worker --restate' processes, followed here with the same progress, result and exit code.
  -i STEP=VALUE, --yes and the AUTO lock's answers go with the run; a secret input is not sent:
  each worker takes it from its environment (ORC_INPUT_NAME).
  Ending this process does not end the run: --detach prints the run id and exits 0, and
  orc run --restate INGRESS_URL --attach RUN_ID follows it again.`,
  cancel: `orc cancel RUN_ID --restate INGRESS_URL
  Cancels a durable run: its running steps are stopped and it ends 'cancelled' (docs/durable.md).`,
  answer: `orc answer RUN_ID STEP VALUE --restate INGRESS_URL
  Answers the question a step of a durable run waits on (approval-gate, user-prompt,
  feedback-collection): VALUE is read as JSON when it parses, else as text (approve,
  'reject: REASON'). STEP is the step's id, or its label inside a loop ('loop[1] › step'). The
  question waits in Restate's journal: a worker may die and come back meanwhile (docs/durable.md).`,
  resume: `orc resume RUN_ID [-i key=value]... [--json] [--redis URL [--queue NAME]] [--record | --replay [--cassette PATH] [--live STEP,...] [--replay-tools]] [--trace-endpoint URL]
  Finishes a stopped run without re-running completed steps. Looks for .orchestrator/ in this
  folder or the nearest parent that has one. Secret inputs (parameters declared secret: true) are
  not recorded: give them again with -i; an input that held a secret environment variable's value
  takes it from the environment. With --redis, a distributed run reattaches to the
  jobs its steps still have on the queue (running or done) instead of running them again.
  --record / --replay / --replay-tools as for orc run (the default cassette is the run's pipeline's).`,
  fork: `orc fork RUN_ID --at STEP[.TURN] [-i STEP=VALUE]... [-i key=value]... [--json] [--record | --replay [--cassette PATH] [--live STEP,...] [--replay-tools]]
  A new run from a past one, with its own id and record (the past run's record is only read). The
  steps STEP does not lead to are answered from the past run's record: no model or tool is called
  for them. STEP and every step that depends on it run again. STEP may be a loop's iteration
  (loop[2]: the iterations before it kept) or a step of one (loop[2]/check); STEP.TURN on an agent
  step answers its turns before TURN from the record too, and asks from TURN on. -i STEP=VALUE
  replaces the recorded result of an upstream step (in a loop by its key, loop[0]/check);
  -i key=value gives the steps that run again another input. The new
  run's record names its parent and fork point (trigger: {kind: fork, parent, at}). The pipeline
  must be as it was when the past run ran. --record / --replay / --replay-tools as for orc run (the
  default cassette is the run's pipeline's): a fork at an agent's turn can be asked offline. An
  agent step with memory: reads its session as the past run read it, and the fork adds nothing to
  the session (a warning says when the store cannot tell). See docs/run.md.`,
  chat: `orc chat FILE [--session ID] [-i key=value]...
  A conversation with a pipeline, turn by turn: each line read is one run, the line given to the
  pipeline's one required parameter ('message' when it has several). --session ID fills its
  'session' parameter (an agent step's memory: {session: "{{ session }}"} keeps the conversation;
  without --session a new id is made and said on stderr). The model's text is printed as it
  streams; tool calls and handoffs are shown on stderr. Ctrl-C cancels the turn that runs, not the
  conversation; the end of input (Ctrl-D) ends it with exit 0. See docs/agents.md.`,
  mcp: `orc mcp [--root DIR]
  An MCP server on stdio: every pipeline under DIR (default: this folder) that compiles is a tool
  named from its id, with an input schema from its parameters; a call runs it as orc run does
  (records in DIR/.orchestrator/) and answers its outputs. Past runs (orc://runs/ID) and graphs
  (orc://graphs/TOOL) are resources. Add it to a client as: orc mcp --root /path/to/workspace.`,
  serve: `orc serve [--root DIR] [--host 127.0.0.1] [--port 8420] [--token-file FILE] [--max-runs N] [--max-body BYTES] [--restate INGRESS_URL] [--a2a] [--metrics-port N]
  An HTTP server: every pipeline under DIR (default: this folder) that compiles, as orc mcp finds
  them, can be run with POST /pipelines/ID/runs (the body: its inputs), followed live with GET
  /runs/RUN_ID/events (Server-Sent Events), cancelled, and its approvals answered; its cron and
  webhook triggers (triggers:) start runs too. Runs are ordinary runs in DIR/.orchestrator/ (orc
  runs, orc resume, orc stats see them). The first line on stdout is 'listening on http://HOST:PORT'
  (--port 0: any free port). Bearer tokens come from ORC_SERVE_TOKENS (comma-separated) and
  --token-file (one a line); with none, the server listens on loopback only. --max-runs N (default
  16): more concurrent runs are refused with 429; --max-body BYTES (default 1048576): a larger body
  is refused with 413. Ctrl-C or SIGTERM: stop, cancelling the runs still going. See docs/serve.md.
  The pipelines' monitors: check the runs after they end (GET /monitors, alerts on GET /events and
  signed webhooks: docs/monitors.md); --metrics-port N: their metrics for Prometheus at
  http://127.0.0.1:N/metrics (and to OTEL_EXPORTER_OTLP_* when set).
  --restate INGRESS_URL: every run is a durable run on Restate (docs/durable.md): submitted,
  followed, cancelled and answered through it; it outlives this server, and another server with the
  same --restate finds it again by its id. Stopping the server leaves those runs going.
  --a2a: each pipeline with an agent step is also an A2A agent: its card at
  /a2a/ID/.well-known/agent-card.json (readable without a token), its JSON-RPC endpoint at
  /a2a/ID/ (message/send, message/stream, tasks/get, tasks/cancel; protocol 1.0 and 0.3), behind
  the same tokens. Give a client the agent's URL with its trailing slash, or the card's URL.`,
  worker: `orc worker --redis URL [--concurrency N] [--queue NAME] [--root DIR] [--metrics-port N]
  Takes the steps of distributed runs (orc run --redis) from the BullMQ queue NAME (default
  orc-steps) and runs up to N at once (default 1) with this machine's tools and API keys. A step
  runs only when its run's folder lies under DIR (default: this folder); others are refused.
  Ctrl-C once: stop after the running steps; twice: stop them now.
  orc run FILE --redis URL [--queue NAME] is a distributed run: that process schedules the steps
  and writes the checkpoint as always; each attempt of a tool or model step is a job on the queue,
  run by a worker (an agent step's too, unless it calls MCP servers or pipelines, or has calls to
  approve: those stay with the run). URL: redis://[user:password@]host[:port][/db], rediss:// for TLS. See
  docs/scale-out.md. --metrics-port N: metrics for Prometheus at http://127.0.0.1:N/metrics; with
  OTEL_EXPORTER_OTLP_ENDPOINT the worker's spans join each run's trace (docs/telemetry.md).
  orc worker --restate ADMIN_URL [--listen HOST:PORT] [--root DIR]: serves durable runs (orc run
  --restate) at HOST:PORT (default 127.0.0.1:9080) and registers that address with Restate's admin
  API (again and again: it is idempotent). A worker that replaces one takes over its address.
  See docs/durable.md.`,
  edit: `orc edit FILE OPERATION ... [--dry-run] [--json]
  Changes the pipeline as the graph editor does, with the smallest edit of its text (comments,
  blank lines, quoting and key order stay as they are). OPERATION is one of:
    connect FROM TO        TO gains FROM as a dependency (refused when it would close a cycle)
    disconnect FROM TO     TO loses its explicit dependency on FROM
    add-step ID --action ACTION [--tool TOOL] [--after STEP] [--param NAME=VALUE]...
                           a new step after STEP (depending on it) or at the end; required
                           parameters not given are written as "" to fill in
    remove-step ID         the step, and its id in its dependents' lists (refused while a
                           template, a jump or an output still reads it)
    duplicate ID           a copy right after it, as ID_2 (ID_3, ...)
    rename OLD NEW         the id everywhere it is written, templates included
    move-into LOOP STEP    STEP becomes the last step of LOOP's body (LOOP stands beside it)
    move-out STEP          a step of a loop's body moves to right after the loop
    reorder STEP --before X  STEP moves to just before X in their list
                           (a step that changes list loses the dependencies it had there)
  A refused edit prints why (and the errors it would cause) and exits 2; the file is unchanged.
  --dry-run prints the edited text instead of writing it; --json prints {file, ok, summary, edits}.`,
  runs: `orc runs [--json]
  Lists past runs in .orchestrator/ (this folder or the nearest parent that has one).`,
  stats: `orc stats [FILE|--all] [--since 7d] [--json]
  Figures over the finished runs in .orchestrator/runs (of FILE's pipeline, or all): success rate,
  p50/p95 duration, cost and tokens per pipeline, per step and per day; the slowest, most expensive
  and flakiest steps. --since: only runs started in the last 30m, 12h, 7d, 2w...`,
  auto: `orc auto FILE [--refresh] [--json]
  Resolves the AUTO tags that have no answer in FILE.auto.lock.json (all of them with --refresh)
  with the orchestrator model, writes the lock file, and lists every tag: type, resolution, status.`,
  explain: `orc explain FILE [--refresh] [--json]
  Asks the orchestrator model what the pipeline is for (intention) and how its steps achieve it
  (architecture), then checks both against the steps: contradictions are warnings on the steps.
  Cached in .orchestrator/explain/ by the file's content: an unchanged file makes no call.`,
  new: `orc new "DESCRIPTION" [-o FILE] [--model provider:name] [--json]
  Asks a model (--model, else ORC_ORCHESTRATOR_MODEL) for a pipeline that does DESCRIPTION, with the
  pipeline schema and the tool registry; its findings go back for up to three repairs. Writes FILE
  (default: ID.pipeline.yaml) only when the pipeline compiles with no errors; never overwrites.`,
  report: `orc report RUN_ID [--json]
  The bottleneck report of a finished run: the critical path as it ran, each step's share of the
  makespan, time waiting for a slot or a rate limit, retries, idle parallelism, and suggestions.
  For each agent step, turn by turn: the model, its latency, tokens and cost, the tool calls it
  asked for with their durations and statuses, and how the loop stopped.`,
  eval: `orc eval FILE.eval.yaml [--variant NAME]... [--case ID]... [--max-parallel N] [--json] [--junit FILE]
         [--baseline EVAL_ID|latest] [--estimate] [--resume[=EVAL_ID]] [--no-cache]
         [--record | --replay [--live STEP]... [--replay-tools]] [--cassette PATH] [--quarantine] [--coverage OUT.info]
  Runs every case of the eval on every variant (a real run each, at most N at once, default 8) and
  checks its assertions. Prints a row per case and variant as it finishes, then per variant the pass
  rate with its 95 % interval, tokens and cost. --json: the whole record; --junit FILE: JUnit XML;
  --baseline: which cases flipped against an earlier eval (an id from 'orc evals', or latest);
  --estimate: the predicted cost and duration, no call. Ctrl-C keeps the finished cases; --resume
  runs the rest. Exit 0, 1 when the pass rate is under the eval's threshold, 2 when the eval does
  not compile (or its cases cannot run), 130 interrupted.
  --record writes every model call (the judges' too) to NAME.cassette.jsonl beside NAME.eval.yaml
  (or --cassette PATH); --replay answers them from it with no network and no key (a call it has no
  answer for fails its case, never a live call); --live STEP lets that step call its model.
  Agents' tool calls are recorded too; --replay-tools (with --replay) answers them from the cassette
  as well (no tool runs), else a replay runs them for real.
  A case run in trials (trials: N) passes on its trials' pass rate; trials that disagree make it
  flaky, and --quarantine leaves flaky cases out of the pass rate. --coverage OUT.info writes lcov of
  the steps, conditions, loops, failure handlers and agent tools the cases ran.
orc eval add FILE.eval.yaml RUN_ID [--expect] [--step ID]   (or --step ID --from-run RUN_ID)
  Appends the run's inputs as a case (with --expect, its outputs as expected values); with --step,
  a step case of that step alone: the run's earlier results as upstream values, its agent's tool
  results as mocks. See docs/eval.md.`,
  optimize: `orc optimize FILE.eval.yaml --models M1,M2,... [--steps ID,...] [--budget-runs N] [--min-pass-rate R]
             [--objective cost|latency] [--max-parallel N] [--estimate] [--json] [--apply]
             [--record | --replay [--cassette PATH] [--live STEP,...]]
orc optimize --list [--json]
  Searches which of the models (provider:model) each model step (or only --steps) can take while the
  eval's pass rate stays at or over R (default: the eval's threshold), cheapest first by registry
  price. A run is one case of one assignment: the dearest assignment first, then each step alone on
  its models cheapest-first, then the combination, verified on every case; an assignment is dropped
  as soon as it cannot reach R. Prints the frontier (pass rate with its 95 % interval, cost per case,
  p50 latency), the chosen one (cheapest meeting R; --objective latency: fastest) and the runs spent
  against brute force's. --json: {frontier, chosen, runs_used, brute_force_runs, ...}; --estimate: the
  counts before any call; --apply: writes the chosen models into the pipeline (only its model: lines);
  --budget-runs N: at most N case runs. Records in .orchestrator/optimize/ (--list); a later run of
  the same eval and pipeline reuses their results. Exit 0 when an assignment meets R, 1 when none
  does (the best found is printed), 2 for a bad eval file or options, 130 interrupted. See docs/optimize.md.`,
  improve: `orc improve FILE.eval.yaml [--steps ID,...] [--reflect MODEL] [--max-evals N] [--budget-usd X]
            [--validation R] [--seed N] [--record | --replay [--cassette PATH]] [--apply] [--json]
orc improve --list [--json]
  Searches better prompts for the model steps whose prompt is written in the pipeline (or only
  --steps) against the eval, as GEPA does: the cases are split into train and validation (--validation
  share, default 0.3, by a seeded hash of the case id; split: train|validation on a case overrides);
  the failed train cases' feedback (inputs, the step's rendered prompt and answer, the expected value,
  each failed assertion's message) goes to the reflection model (--reflect, default the pipeline's
  orchestrator: model, else ORC_ORCHESTRATOR_MODEL, else its model), which proposes one step's new
  prompt in one structured call; a proposal that drops or adds a template name is refused before any
  run. A candidate runs on a minibatch of 3 train cases first, on the whole train split only when it
  beats its parent there; a Pareto front over the train cases keeps every candidate best on a case.
  Validation cases are never shown to the reflection model; their pass rate is measured for the first
  and the chosen prompts. Stops at --max-evals case runs, at --budget-usd (every call reserved first,
  never crossed), or when a candidate passes every train case. Prints each step's prompt diff, train
  and validation pass rates before and after with 95 % intervals, case runs, calls, cost and the front;
  --json: {steps, train, validation, evals, calls, cost_usd, front, chosen, stopped, refused, reflect}.
  --record / --replay: every call to NAME.cassette.jsonl beside the eval (or --cassette PATH): a replay
  repeats the search offline, the same --json byte for byte. --apply writes the chosen prompts as
  minimal edits (comments, quoting, block scalars and anchors kept). Records in .orchestrator/improve/
  (--list). Exit 0 when the search ran (an eval with no failing case proposes nothing and asks no
  model), 1 when --apply finds the pipeline changed since the search started (it is not overwritten),
  2 for a bad eval file or options (or --apply through a shared alias), 130 interrupted (the front
  stays on disk). See docs/improve.md.`,
  evals: `orc evals [--json]
  Lists past evals in .orchestrator/evals/ (this folder or the nearest parent that has one).`,
  models: `orc models [--json] | orc models --stats [--json]
  The model registry and which providers have a key or endpoint configured; with --stats, per
  model from this workspace's run records: calls, error rate, latency p50/p95, tokens/s, cost per call.`,
  help: `orc help [COMMAND]
  The usage of orc, or of one command.`,
};

export const COMMANDS = Object.keys(COMMAND_USAGE);

/** The closest command to a mistyped one (edit distance at most 2), if any. */
export function suggestCommand(typed: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of COMMANDS) {
    const d = editDistance(typed.toLowerCase(), c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, sub);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev[j - 2] + 1);
      cur.push(d);
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The version in package.json (bundled into dist/cliMain.js by esbuild). */
export function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}
