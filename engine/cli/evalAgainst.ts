// `orc eval FILE --against REF`: the eval as it is at REF, run first in a temporary worktree
// (its own `.orchestrator/`, the same models, the same cassette when replaying), so the eval
// now can be compared with it and the markdown report printed.
import * as path from 'node:path';
import { AgainstError, checkoutRef, createModelRunner, type CassetteOptions, type EvalRecord, type EvalSummary, type RefCheckout, registryOrShipped, runEval } from '../api/index';
import type { Style } from './findingFormat';
import { compileEval } from './evalCompile';

export interface RefEval {
  checkout: RefCheckout;
  record: EvalRecord;
  summary: EvalSummary;
}

export interface RefEvalOptions {
  variants: string[];
  cases: string[];
  maxParallel: number;
  cassette?: CassetteOptions;
  signal: AbortSignal;
  style: Style;
  err(s: string): void;
}

/** Runs the eval file as it is at `ref`; the caller disposes of the checkout once it has compared. */
export async function evalAtRef(file: string, ref: string, o: RefEvalOptions): Promise<RefEval> {
  const checkout = checkoutRef(file, ref);
  try {
    o.err(`running ${path.basename(file)} as it is at ${ref} (${checkout.commit.slice(0, 12)}) in a temporary worktree`);
    const compiled = compileEval(checkout.evalFile, o.style, o.err);
    if (!compiled) throw new AgainstError(`the eval at ${ref} does not compile, so there is nothing to compare with`);
    const registryFile = process.env.ORC_MODEL_REGISTRY || undefined;
    // replay: the cassette of the tree being tested answers both sides, so an unchanged prompt costs nothing
    const cassette = o.cassette ? { ...o.cassette, file: path.resolve(o.cassette.file) } : undefined;
    const outcome = await runEval({
      root: checkout.dir,
      analysis: compiled.analysis,
      evalText: compiled.text,
      models: createModelRunner({ env: process.env, registryFile }),
      maxParallel: o.maxParallel,
      onlyVariants: o.variants,
      onlyCases: o.cases,
      signal: o.signal,
      cache: false,
      registry: registryOrShipped(registryFile),
      ...(cassette ? { cassette } : {}),
    });
    if (outcome.status === 'cancelled') throw new AgainstError(`the eval at ${ref} was cancelled`);
    o.err(`at ${ref}: ${outcome.summary.passed}/${outcome.summary.total} passed`);
    return { checkout, record: outcome.record, summary: outcome.summary };
  } catch (e) {
    checkout.dispose();
    throw e;
  }
}
