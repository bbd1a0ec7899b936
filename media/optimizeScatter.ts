// The optimize section's scatter, its geometry only (no DOM: test/media/optimizeScatter.test.ts):
// cost per case across, pass rate up; each tried assignment a point with its 95 % interval as a
// vertical bar, the frontier as a line through its points cheapest first, the minimum pass rate as a
// horizontal line. Cost runs from 0 to the dearest point plus a margin, pass rate from 0 to 100 %.
import type { OptimizePointView } from './protocol';

export interface ScatterBox {
  width: number;
  height: number;
  /** Room for the axes' labels: left and bottom; top and right get `pad`. */
  left: number;
  bottom: number;
  pad: number;
}

export const SCATTER_BOX: ScatterBox = { width: 520, height: 260, left: 56, bottom: 34, pad: 12 };

export interface ScatterPoint {
  label: string;
  x: number;
  y: number;
  /** The interval bar: from the interval's high (top) to its low (bottom). */
  barTop: number;
  barBottom: number;
  frontier: boolean;
  chosen: boolean;
  /** complete and meets | complete and under | still running | dropped early */
  state: 'meets' | 'under' | 'running' | 'eliminated';
}

export interface ScatterGeometry {
  points: ScatterPoint[];
  /** The frontier's polyline (`x,y x,y ...`), cheapest first; empty with fewer than two frontier points (no line to draw). */
  frontier: string;
  /** The minimum pass rate's line: its y. */
  minY: number;
  /** The plot's edges. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  xTicks: { x: number; text: string }[];
  yTicks: { y: number; text: string }[];
}

const round = (v: number) => Math.round(v * 10) / 10;

/** A round upper bound for the cost axis (1, 2 or 5 × a power of ten) at or over `v`. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1e-6;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v - 1e-15) return m * p;
  return 10 * p;
}

export function money(x: number): string {
  if (x === 0) return '$0';
  return x >= 0.01 ? `$${x.toFixed(3)}` : `$${x.toPrecision(2)}`;
}

export function scatterGeometry(points: OptimizePointView[], frontier: string[], chosen: string | null, minPassRate: number, box: ScatterBox = SCATTER_BOX): ScatterGeometry {
  const x0 = box.left;
  const x1 = box.width - box.pad;
  const y0 = box.height - box.bottom; // pass rate 0
  const y1 = box.pad; // pass rate 1
  const max = niceMax(Math.max(0, ...points.map((p) => p.cost_usd)) * 1.1);
  const X = (c: number) => round(x0 + (c / max) * (x1 - x0));
  const Y = (r: number) => round(y0 - r * (y0 - y1));
  const onFrontier = new Set(frontier);
  const out: ScatterPoint[] = points.map((p) => ({
    label: p.label,
    x: X(p.cost_usd),
    y: Y(p.pass_rate),
    barTop: Y(p.high),
    barBottom: Y(p.low),
    frontier: onFrontier.has(p.label),
    chosen: p.label === chosen,
    state: p.eliminated ? 'eliminated' : !p.complete ? 'running' : p.meets ? 'meets' : 'under',
  }));
  const byLabel = new Map(out.map((p) => [p.label, p]));
  const line = frontier.map((l) => byLabel.get(l)).filter((p): p is ScatterPoint => !!p);
  return {
    points: out,
    frontier: line.length > 1 ? line.map((p) => `${p.x},${p.y}`).join(' ') : '',
    minY: Y(minPassRate),
    x0,
    x1,
    y0,
    y1,
    xTicks: [0, 0.5, 1].map((f) => ({ x: X(f * max), text: money(f * max) })),
    yTicks: [0, 0.5, 1].map((r) => ({ y: Y(r), text: `${r * 100} %` })),
  };
}
