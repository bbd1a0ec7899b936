// `--record | --replay [--cassette PATH] [--live STEP_ID,...] [--replay-tools]` of `orc run` and `orc resume`.
import { type CassetteOptions, defaultCassetteFile, type Step } from '../api/index';
import { UsageError } from './input';

export interface CassetteFlags {
  record: boolean;
  replay: boolean;
  cassette?: string;
  live?: string;
  /** `--replay-tools`: agents' tool calls answered from the cassette too, none run. */
  replayTools?: boolean;
}

/** The flags as read from the command line (values that are not strings are usage errors). */
export function cassetteFlagsOf(flags: Map<string, string | true>): CassetteFlags {
  const value = (name: string, what: string): string | undefined => {
    const v = flags.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v) throw new UsageError(`${name} needs ${what}`);
    return v;
  };
  if (flags.has('--replay-tools') && flags.get('--replay-tools') !== true) throw new UsageError('--replay-tools takes no value');
  return { record: flags.has('--record'), replay: flags.has('--replay'), cassette: value('--cassette', 'a file'), live: value('--live', 'step ids (--live a,b)'), ...(flags.has('--replay-tools') ? { replayTools: true } : {}) };
}

/** The run's cassette: `--cassette PATH`, else `NAME.cassette.jsonl` beside the pipeline. */
export function cassetteOptions(f: CassetteFlags | undefined, pipelineFile: string | null, distributed: unknown): CassetteOptions | undefined {
  if (!f || (!f.record && !f.replay)) {
    if (f?.cassette) throw new UsageError('--cassette goes with --record or --replay');
    if (f?.live) throw new UsageError('--live goes with --replay');
    if (f?.replayTools) throw new UsageError('--replay-tools goes with --replay');
    return undefined;
  }
  if (f.record && f.replay) throw new UsageError('--record and --replay contradict each other');
  if (f.live && !f.replay) throw new UsageError('--live goes with --replay');
  if (f.replayTools && !f.replay) throw new UsageError('--replay-tools goes with --replay');
  if (distributed) throw new UsageError(`--${f.record ? 'record' : 'replay'} cannot be used with --redis: the workers make the model calls`);
  const file = f.cassette ?? (pipelineFile ? defaultCassetteFile(pipelineFile) : null);
  if (!file) throw new UsageError('a pipeline read from standard input needs --cassette PATH');
  const live = f.live ? f.live.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return { mode: f.record ? 'record' : 'replay', file, ...(live?.length ? { live } : {}), ...(f.replayTools ? { replayTools: true } : {}) };
}

function stepIds(steps: Step[], into = new Set<string>()): Set<string> {
  for (const s of steps) {
    into.add(s.id);
    if (s.body) stepIds(s.body, into);
  }
  return into;
}

/** `--live` ids that name no step of the pipeline (or of its loop bodies): a warning, as a nested pipeline's steps may be meant. */
export function unknownLiveSteps(o: CassetteOptions | undefined, steps: Step[]): string | null {
  if (!o?.live?.length) return null;
  const ids = stepIds(steps);
  const unknown = o.live.filter((id) => !ids.has(id));
  if (!unknown.length) return null;
  return `warning: --live ${unknown.map((id) => `'${id}'`).join(', ')} ${unknown.length === 1 ? 'names no step' : 'name no steps'} of this pipeline (a nested pipeline's steps are not checked); ${unknown.length === 1 ? 'it replays' : 'they replay'} unless a nested step has that id`;
}
