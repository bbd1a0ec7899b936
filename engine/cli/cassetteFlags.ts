// `--record | --replay [--cassette PATH] [--live STEP_ID,...]` of `orc run` and `orc resume`.
import { defaultCassetteFile, type CassetteOptions } from '../models/cassette';
import { UsageError } from './input';

export interface CassetteFlags {
  record: boolean;
  replay: boolean;
  cassette?: string;
  live?: string;
}

/** The flags as read from the command line (values that are not strings are usage errors). */
export function cassetteFlagsOf(flags: Map<string, string | true>): CassetteFlags {
  const value = (name: string, what: string): string | undefined => {
    const v = flags.get(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v) throw new UsageError(`${name} needs ${what}`);
    return v;
  };
  return { record: flags.has('--record'), replay: flags.has('--replay'), cassette: value('--cassette', 'a file'), live: value('--live', 'step ids (--live a,b)') };
}

/** The run's cassette: `--cassette PATH`, else `NAME.cassette.jsonl` beside the pipeline. */
export function cassetteOptions(f: CassetteFlags | undefined, pipelineFile: string | null, distributed: unknown): CassetteOptions | undefined {
  if (!f || (!f.record && !f.replay)) {
    if (f?.cassette) throw new UsageError('--cassette goes with --record or --replay');
    if (f?.live) throw new UsageError('--live goes with --replay');
    return undefined;
  }
  if (f.record && f.replay) throw new UsageError('--record and --replay contradict each other');
  if (f.live && !f.replay) throw new UsageError('--live goes with --replay');
  if (distributed) throw new UsageError(`--${f.record ? 'record' : 'replay'} cannot be used with --redis: the workers make the model calls`);
  const file = f.cassette ?? (pipelineFile ? defaultCassetteFile(pipelineFile) : null);
  if (!file) throw new UsageError('a pipeline read from standard input needs --cassette PATH');
  const live = f.live ? f.live.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  return { mode: f.record ? 'record' : 'replay', file, ...(live?.length ? { live } : {}) };
}
