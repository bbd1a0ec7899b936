// The steps a distributed run has published for its workers: each compiled step's wire form and
// digest (kept per step object), and the run's set of digests in Redis that workers check jobs against.
import type IORedis from 'ioredis';
import type { NamedAgent, Step } from '../spec/types';
import { PUBLISHED_TTL_S, publishedStepsKey, stepDigest, wireStep, type WireStep } from './protocol';

export class PublishedSteps {
  /** Digests of the steps published for the workers (this run's pipeline). */
  private readonly published = new Set<string>();
  /** Each step object's wire form and digest. */
  private readonly wire = new WeakMap<Step, { step: WireStep; digest: string }>();
  /** The queue's connection, on which jobs are added (set once the queue is ready). */
  queueClient: Pick<IORedis, 'sadd'> | null = null;

  constructor(
    private readonly queueName: string,
    private readonly pipelineSha256: string,
    /** The pipeline's named agents: an agent step's digest covers those it may call. */
    private readonly agents?: Record<string, NamedAgent>,
  ) {}

  private get stepsKey(): string {
    return publishedStepsKey(this.queueName, this.pipelineSha256);
  }

  wireOf(step: Step): { step: WireStep; digest: string } {
    let w = this.wire.get(step);
    if (!w) {
      const s = wireStep(step);
      this.wire.set(step, (w = { step: s, digest: stepDigest(this.pipelineSha256, s, this.agents) }));
    }
    return w;
  }

  /** Publishes the digests of the compiled steps and their loop bodies (and renews their lifetime). */
  async publishAll(control: IORedis, steps: readonly Step[]): Promise<void> {
    const all: string[] = [];
    const walk = (list: readonly Step[]) => {
      for (const s of list) {
        const d = this.wireOf(s).digest;
        if (!this.published.has(d)) all.push(d);
        this.published.add(d);
        if (s.body) walk(s.body);
      }
    };
    walk(steps);
    const pipe = control.pipeline();
    for (let i = 0; i < all.length; i += 1000) pipe.sadd(this.stepsKey, ...all.slice(i, i + 1000));
    pipe.expire(this.stepsKey, PUBLISHED_TTL_S);
    const replies = (await pipe.exec()) ?? [];
    const failed = replies.find(([e]) => e);
    if (failed) throw failed[0];
  }

  /**
   * The step's digest, published first when the run compiled it after the start: on the queue's own
   * connection, so that Redis has it before the job that follows on the same connection.
   */
  publish(step: Step): { step: WireStep; digest: string } {
    const w = this.wireOf(step);
    if (!this.published.has(w.digest) && this.queueClient) {
      this.published.add(w.digest);
      this.queueClient.sadd(this.stepsKey, w.digest).catch(() => {});
    }
    return w;
  }
}
