// A monitor's alerts leaving the server: a POST of `{pipeline, monitor, pass_rate, window,
// failed_runs}` to `notify.webhook`, signed `X-Orchestrator-Signature: sha256=<hex HMAC-SHA256 of the
// raw body>` with the secret in `notify.secret_env`, by the same code that checks incoming webhooks
// (webhooks.ts). A receiver that fails (refused, a 5xx, no answer in time) is retried with
// exponential backoff (cockatiel), in the background: serving never waits for it. At most
// MAX_PENDING alerts are being sent at once; past that the newest is not sent and the log says so.
// A URL that is not http(s) or carries credentials is refused, and the secret never goes into a log,
// a file, an event or an error.
import { ExponentialBackoff, handleAll, retry } from 'cockatiel';
import { signatureOf } from './webhooks';
import type { MonitorAlert } from './monitorWindow';

export const SIGNATURE_HEADER = 'X-Orchestrator-Signature';
/** Alerts being sent (with their retries) at most at once. */
export const MAX_PENDING = 64;

export interface AlertSendOptions {
  /** Attempts in all (default 6: about a minute of retries). */
  attempts?: number;
  /** The first retry's delay (ms, default 1000), doubled each time up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** One attempt's bound (ms, default 10 s). */
  timeoutMs?: number;
}

/** Why a notify URL is refused, or null when it can be sent to. */
export function notifyUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `is a ${u.protocol} URL, not http(s)`;
  if (u.username || u.password) return 'carries credentials (user:password@): name the secret in secret_env instead';
  return null;
}

/** A URL as a log shows it: no query (it may hold a token), no credentials. */
const shownUrl = (url: string) => {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
};

export class AlertSender {
  private pending = 0;
  /** Settles when every alert being sent now has been delivered or given up on (tests, close). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
    private readonly o: AlertSendOptions = {},
  ) {}

  /** Sends the alert to the monitor's webhook in the background (never throws, never waits). */
  send(alert: MonitorAlert, notify: { webhook: string; secretEnv: string | null }): void {
    const who = `monitor '${alert.monitor}' of ${alert.pipeline}`;
    const problem = notifyUrlProblem(notify.webhook);
    if (problem) {
      this.log(`orc serve: the alert of ${who} is not sent: its notify.webhook ${problem}`);
      return;
    }
    if (!notify.secretEnv) {
      this.log(`orc serve: the alert of ${who} is not sent: its notify has no secret_env, and alerts go out signed`);
      return;
    }
    const secret = this.env[notify.secretEnv];
    if (!secret) {
      this.log(`orc serve: the alert of ${who} is not sent: ${notify.secretEnv}, which signs it, is not set in this server's environment`);
      return;
    }
    if (this.pending >= MAX_PENDING) {
      this.log(`orc serve: the alert of ${who} is not sent: ${MAX_PENDING} alerts are still being sent (their receivers do not answer)`);
      return;
    }
    const body = JSON.stringify(alert);
    const headers = { 'content-type': 'application/json', [SIGNATURE_HEADER]: signatureOf(secret, body), 'user-agent': 'orchestrator-monitors' };
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    const attempts = Math.max(1, this.o.attempts ?? 6);
    const policy = retry(handleAll, { maxAttempts: attempts - 1, backoff: new ExponentialBackoff({ initialDelay: this.o.initialDelayMs ?? 1000, maxDelay: this.o.maxDelayMs ?? 30_000 }) });
    let tries = 0;
    policy.onRetry((r) => this.log(`orc serve: the alert of ${who} to ${shownUrl(notify.webhook)} failed (${'error' in r ? r.error.message : 'no answer'}); retrying in ${Math.round(r.delay)} ms`));
    this.pending++;
    const sending = policy
      .execute(async () => {
        tries++;
        const res = await fetch(notify.webhook, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
        await res.body?.cancel().catch(() => undefined);
        if (res.status >= 300) throw new Error(`the receiver answered ${res.status}`);
      })
      .then(
        () => undefined,
        (e: unknown) => this.log(`orc serve: the alert of ${who} to ${shownUrl(notify.webhook)} was given up after ${tries} attempt${tries === 1 ? '' : 's'}: ${(e as Error).message}`),
      )
      .finally(() => {
        this.pending--;
        this.inFlight.delete(sending);
      });
    this.inFlight.add(sending);
  }

  /** Waits for the alerts being sent now. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
