// The pass rate of a variant with its 95 % Wilson score interval: unlike p ± 1.96·√(p(1−p)/n), it
// stays inside [0, 1] and is honest at 0/n and n/n, where an eval of a few cases often is.

export interface Interval {
  low: number;
  high: number;
}

const Z95 = 1.959963984540054;

/** The Wilson score interval of `passed` successes in `total` trials (95 %); [0, 1] when there are none. */
export function wilson(passed: number, total: number, z = Z95): Interval {
  if (total <= 0) return { low: 0, high: 1 };
  const p = passed / total;
  const z2 = z * z;
  const denom = 1 + z2 / total;
  const centre = (p + z2 / (2 * total)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / total + z2 / (4 * total * total))) / denom;
  return { low: round6(Math.max(0, centre - half)), high: round6(Math.min(1, centre + half)) };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** `66.7%` */
export function percent(x: number): string {
  // rounded once, to tenths of a percent (toFixed alone turns 9.45 into 9.4: it has no exact binary form)
  return `${(Math.round(x * 1000) / 10).toFixed(1)}%`;
}
