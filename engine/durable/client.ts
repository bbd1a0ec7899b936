// The caller's side of a durable run, over Restate's HTTP ingress: submit a run (the workflow
// keyed by its run id), follow it (its events page by page from the workflow's shared `progress`
// handler, its result document from the workflow's output, which Restate keeps), cancel it.
// `orc run --restate` uses it, and so may `orc serve --restate` (through engine/api).
import type { ResultDocument, RunEvent } from '../run/events';
import { RUN_WORKFLOW, type ProgressPage, type RunSubmission, type WaitingQuestion } from './protocol';

export class DurableRunError extends Error {
  constructor(
    message: string,
    /** The ingress's HTTP status, when it answered. */
    readonly status: number | null = null,
    /** What the handler said (a TerminalError's message), when it said something. */
    readonly said: string | null = null,
  ) {
    super(message);
    this.name = 'DurableRunError';
  }
}

function base(ingressUrl: string): string {
  return ingressUrl.replace(/\/+$/, '');
}

async function call(url: string, init: RequestInit, what: string): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new DurableRunError(`Could not reach Restate's ingress for ${what}: ${(e as Error).message}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // as it came
    }
    throw new DurableRunError(`${what}: Restate answered ${res.status}: ${message.slice(0, 1000)}`, res.status, message.slice(0, 1000));
  }
  return text ? JSON.parse(text) : null;
}

/** Submits the run; returns whether Restate took it now (false: a run with this id was already submitted). */
export async function submitRun(ingressUrl: string, runId: string, submission: RunSubmission): Promise<{ accepted: boolean; invocationId: string }> {
  const got = (await call(`${base(ingressUrl)}/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/run/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(submission) }, `submitting run ${runId}`)) as { invocationId?: string; status?: string };
  return { accepted: got?.status !== 'PreviouslyAccepted', invocationId: got?.invocationId ?? '' };
}

/** Waits for the run's result document (Restate keeps a workflow's output after it ends). */
export async function runResult(ingressUrl: string, runId: string, signal?: AbortSignal): Promise<ResultDocument> {
  return (await call(`${base(ingressUrl)}/restate/workflow/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/attach`, { method: 'GET', ...(signal ? { signal } : {}) }, `following run ${runId}`)) as ResultDocument;
}

/** A page of the run's events from `from` on. */
export async function progressPage(ingressUrl: string, runId: string, from: number, signal?: AbortSignal): Promise<ProgressPage> {
  return (await call(`${base(ingressUrl)}/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/progress`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from }), ...(signal ? { signal } : {}) }, `reading the progress of run ${runId}`)) as ProgressPage;
}

/** Asks the run to stop: its running steps are cancelled and it ends `cancelled`. */
export async function cancelRun(ingressUrl: string, runId: string): Promise<void> {
  await call(`${base(ingressUrl)}/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/cancel`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, `cancelling run ${runId}`);
}

/** Answers the question a step of the run waits on (`step`: its id, or its label in a loop: `loop[1] › step`). */
export async function answerRun(ingressUrl: string, runId: string, step: string, value: unknown): Promise<void> {
  try {
    await answerCall(ingressUrl, runId, step, value);
  } catch (e) {
    // the workflow's own refusal (409 answered already, 404 asked nothing) is said as it is, not as Restate's status
    if (e instanceof DurableRunError && (e.status === 409 || e.status === 404) && e.said) throw new DurableRunError(e.said, e.status, e.said);
    throw e;
  }
}

async function answerCall(ingressUrl: string, runId: string, step: string, value: unknown): Promise<void> {
  await call(`${base(ingressUrl)}/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/answer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ step, value }) }, `answering step '${step}' of run ${runId}`);
}

/** The questions the run's steps wait on now (answer them with answerRun). */
export async function waitingQuestions(ingressUrl: string, runId: string, signal?: AbortSignal): Promise<WaitingQuestion[]> {
  return ((await call(`${base(ingressUrl)}/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/questions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', ...(signal ? { signal } : {}) }, `listing the questions of run ${runId}`)) ?? []) as WaitingQuestion[];
}

/** Whether Restate knows the run: 'unknown' (never submitted, or forgotten since), 'running', or 'ended'. */
export async function runState(ingressUrl: string, runId: string): Promise<'unknown' | 'running' | 'ended'> {
  let res: Response;
  try {
    res = await fetch(`${base(ingressUrl)}/restate/workflow/${RUN_WORKFLOW}/${encodeURIComponent(runId)}/output`);
  } catch (e) {
    throw new DurableRunError(`Could not reach Restate's ingress for run ${runId}: ${(e as Error).message}`);
  }
  await res.body?.cancel();
  if (res.status === 404) return 'unknown';
  if (res.status === 470) return 'running';
  return 'ended';
}

/** What following a run yields: its events as a local run emits them, then its result document. */
export type RunUpdate = { kind: 'event'; event: RunEvent } | { kind: 'result'; result: ResultDocument };

/** The identity of an event that a later execution of the workflow emits again as it replays. */
function replayKey(e: RunEvent): string | null {
  switch (e.type) {
    case 'run-started':
      return 'run-started';
    case 'step-ready':
    case 'step-ended':
      return `${e.type}|${JSON.stringify(e.scope)}|${e.stepId}`;
    case 'step-started':
    case 'attempt-failed':
      return `${e.type}|${JSON.stringify(e.scope)}|${e.stepId}|${e.attempt}`;
    default:
      return null;
  }
}

export interface FollowOptions {
  signal?: AbortSignal;
  /** How often the progress is asked for (ms; default 200). */
  pollMs?: number;
}

/**
 * Follows a submitted run to its end: its events (each once: what a replay of the workflow emits
 * again is left out), then its result. The run goes on whether or not anyone follows it.
 */
export async function* followRun(ingressUrl: string, runId: string, options: FollowOptions = {}): AsyncGenerator<RunUpdate> {
  const pollMs = options.pollMs ?? 200;
  const seen = new Set<string>();
  let firstEpoch: number | null = null;
  let from = 0;
  let result: ResultDocument | null = null;
  let failure: unknown = null;
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const waiting = runResult(ingressUrl, runId, ctl.signal).then(
    (r) => (result = r),
    (e) => (failure = e),
  );
  try {
    for (;;) {
      const ended = result !== null || failure !== null;
      let page: ProgressPage | null = null;
      try {
        page = await progressPage(ingressUrl, runId, from, ctl.signal);
      } catch (e) {
        if (ctl.signal.aborted) throw e;
        page = null; // no worker answers now: the run waits for one, and so do we
      }
      if (page) {
        from = page.next;
        for (const { epoch, event } of page.events) {
          if (event.type === 'run-ended') continue; // the result below ends the run
          firstEpoch ??= epoch;
          const key = replayKey(event);
          if (key !== null) {
            if (seen.has(key)) continue;
            seen.add(key);
          } else if (epoch !== firstEpoch && (event.type === 'checkpoint-written')) continue;
          yield { kind: 'event', event };
        }
      }
      if (ended && (!page || page.events.length === 0)) break;
      if (!ended) await Promise.race([waiting, new Promise((r) => setTimeout(r, pollMs))]);
    }
    if (failure) throw failure;
    yield { kind: 'result', result: result! };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    ctl.abort();
    await waiting;
  }
}
