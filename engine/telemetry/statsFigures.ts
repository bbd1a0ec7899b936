// The run statistics' figures as words, the same in `orc stats` and the editor's Runs view: a
// duration, a success rate, dollars, tokens, a p50/p95 pair, and one pipeline's line.
import type { Distribution, PipelineStats } from './runStats';

export const figureMs = (v: number | null): string => (v === null ? '-' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(1)} s`);
export const figureRate = (v: number | null): string => (v === null ? '-' : `${(v * 100).toFixed(1)} %`);
export const figureUsd = (v: number): string => `$${v.toFixed(4)}`;
export const figureTokens = (i: number, o: number): string => `${i} in, ${o} out`;
export const figureDistribution = (d: Distribution): string => `p50 ${figureMs(d.p50)}, p95 ${figureMs(d.p95)}`;

/** One pipeline in a line: `2 runs · success 100.0 % · p50 1.2 s · p95 2.0 s · $0.0000 · 0 tok`. */
export function pipelineFigures(p: PipelineStats): string {
  return [`${p.runs} run${p.runs === 1 ? '' : 's'}`, `success ${figureRate(p.success_rate)}`, `p50 ${figureMs(p.duration_ms.p50)}`, `p95 ${figureMs(p.duration_ms.p95)}`, figureUsd(p.cost_usd), `${(p.tokens_in + p.tokens_out).toLocaleString('en-US')} tok`].join(' · ');
}
