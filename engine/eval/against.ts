// `orc eval FILE --against REF`: the eval file as it is at a git ref, checked out in a temporary
// worktree (the user's checkout and index are never touched), and the markdown report of the eval
// now against it — pass rate, cost and latency per variant, and the cases that flipped — for a pull
// request's comment.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BaselineComparison } from './baseline';
import type { EvalSummary } from './evalRecord';
import { percent, round4 } from './stats';

export class AgainstError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgainstError';
  }
}

export interface RefCheckout {
  /** The ref as the user named it, and the commit it resolved to. */
  ref: string;
  commit: string;
  /** The worktree's top folder, and the eval file inside it. */
  dir: string;
  evalFile: string;
  /** Removes the worktree (its folder and git's entry for it). */
  dispose(): void;
}

/** Git, quietly: stdout, or an AgainstError with git's own first line of complaint. */
function git(cwd: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 }).trim();
  } catch (e) {
    const err = e as { stderr?: string; code?: string };
    if (err.code === 'ENOENT') throw new AgainstError('--against needs git on the PATH');
    const why = (err.stderr ?? '').split('\n').find((l) => l.trim()) ?? (e as Error).message;
    throw new AgainstError(why.replace(/^(fatal|error): /, ''));
  }
}

/** The eval file's repository checked out at REF in a temporary worktree; the eval file must exist there. */
export function checkoutRef(evalFile: string, ref: string): RefCheckout {
  if (!ref || ref.startsWith('-')) throw new AgainstError(`--against takes a git ref (a branch, tag or commit), not '${ref}'`);
  const abs = path.resolve(evalFile);
  const top = (() => {
    try {
      return git(path.dirname(abs), ['rev-parse', '--show-toplevel']);
    } catch (e) {
      throw new AgainstError(`${evalFile} is not in a git repository, so there is no ref to compare with (${(e as Error).message})`);
    }
  })();
  let commit: string;
  try {
    commit = git(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new AgainstError(`no commit named '${ref}' in ${top}`);
  }
  const rel = path.relative(fs.realpathSync(top), fs.realpathSync(abs)).split(path.sep).join('/');
  try {
    git(top, ['cat-file', '-e', `${commit}:${rel}`]);
  } catch {
    throw new AgainstError(`${rel} does not exist at ${ref} (${commit.slice(0, 12)}): nothing to compare with`);
  }
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'orc-against-'));
  const dir = path.join(parent, 'tree');
  git(top, ['worktree', 'add', '--detach', '--quiet', dir, commit]);
  let disposed = false;
  return {
    ref,
    commit,
    dir,
    evalFile: path.join(dir, ...rel.split('/')),
    dispose() {
      if (disposed) return;
      disposed = true;
      try {
        git(top, ['worktree', 'remove', '--force', dir]);
      } catch {
        // removed below; prune forgets the entry
      }
      fs.rmSync(parent, { recursive: true, force: true });
      try {
        git(top, ['worktree', 'prune']);
      } catch {
        // nothing left to prune
      }
    },
  };
}

const money = (x: number) => `$${x.toFixed(6)}`;
const signedPoints = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(round4(x * 100)).toFixed(1)} pts`;
const signedMoney = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}$${Math.abs(x).toFixed(6)}`;
const signedMs = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(Math.round(x))} ms`;
/** A value from a model or a dataset inside a markdown table cell: one line, no pipes, bounded. */
const cell = (s: string) => {
  const one = s.replace(/[\r\n\t]+/g, ' ').replace(/\|/g, '\\|').replace(/`/g, "'");
  return one.length > 80 ? `${one.slice(0, 80)}…` : one;
};

export interface AgainstReport {
  ref: string;
  commit: string;
  evalFile: string;
  base: EvalSummary;
  head: EvalSummary;
  comparison: BaselineComparison;
}

/** The report for a pull request's comment: a verdict line, a table per variant, the flipped cases. */
export function againstMarkdown(r: AgainstReport): string {
  const { base, head, comparison: c } = r;
  const word = { better: 'better', worse: 'worse', mixed: 'mixed', same: 'unchanged' }[c.verdict];
  const lines: string[] = [];
  lines.push(`### Eval \`${cell(r.evalFile)}\`: ${word} against \`${cell(r.ref)}\` (${r.commit.slice(0, 12)})`);
  lines.push('');
  lines.push(`${c.regressions} pass→fail, ${c.fixed} fail→pass over ${c.compared} case${c.compared === 1 ? '' : 's'} in both; pass rate ${percent(base.pass_rate)} → ${percent(head.pass_rate)} (${signedPoints(head.pass_rate - base.pass_rate)}); verdict ${base.verdict} → ${head.verdict}.` + (c.new_cases || c.missing_cases ? ` ${c.new_cases} new, ${c.missing_cases} gone.` : ''));
  lines.push('');
  lines.push('| Variant | Pass rate | Δ | Cost | Δ | Mean latency | Δ |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|');
  const names = [...new Set([...base.variants.map((v) => v.variant), ...head.variants.map((v) => v.variant)])];
  for (const name of names) {
    const b = base.variants.find((v) => v.variant === name);
    const h = head.variants.find((v) => v.variant === name);
    const costOf = (v: typeof b) => (v ? v.cost_usd + v.judge_cost_usd : 0);
    if (!b || !h) {
      const v = (b ?? h)!;
      lines.push(`| ${cell(name)} ${b ? '(gone)' : '(new)'} | ${percent(v.pass_rate)} | | ${money(costOf(v))} | | ${v.mean_latency_ms} ms | |`);
      continue;
    }
    lines.push(`| ${cell(name)} | ${percent(b.pass_rate)} → ${percent(h.pass_rate)} | ${signedPoints(h.pass_rate - b.pass_rate)} | ${money(costOf(b))} → ${money(costOf(h))} | ${signedMoney(costOf(h) - costOf(b))} | ${b.mean_latency_ms} → ${h.mean_latency_ms} ms | ${signedMs(h.mean_latency_ms - b.mean_latency_ms)} |`);
  }
  const flips = c.deltas.filter((d) => d.flip);
  if (flips.length) {
    lines.push('');
    lines.push('| Case | Variant | Was | Now | Score Δ |');
    lines.push('|---|---|---|---|---:|');
    // regressions first: they are what the reviewer must read
    for (const d of [...flips].sort((x, y) => (x.flip === y.flip ? 0 : x.flip === 'pass→fail' ? -1 : 1))) {
      const id = d.repeat ? `${d.case} #${d.repeat + 1}` : d.case;
      lines.push(`| ${d.flip === 'pass→fail' ? '🔴' : '🟢'} ${cell(id)} | ${cell(d.variant)} | ${d.before.status} | ${d.after.status} | ${d.score_delta >= 0 ? '+' : '−'}${Math.abs(d.score_delta).toFixed(2)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
