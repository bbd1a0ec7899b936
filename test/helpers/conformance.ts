// The run contract's cases (cases.json beside the pipelines) and the files a run leaves: shared by
// the local contract tests and the distributed ones, which must give the same results.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFORMANCE } from './cli';

export interface ConformanceCase {
  example: string;
  variant: string;
  inputs: Record<string, unknown>;
  exit_code: number;
  artifacts: Record<string, string>;
  outputs: Record<string, unknown>;
  completed: string[];
  skipped: string[];
  failed: string[];
  reported_failure: string[];
  levels: string[][];
  step_fields?: Record<string, Record<string, unknown>>;
}

export function conformanceCases(): ConformanceCase[] {
  return JSON.parse(fs.readFileSync(path.join(CONFORMANCE, 'cases.json'), 'utf8')).cases;
}

/** Every file under dir, relative, except the run's own state folder. */
export function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (r === '.orchestrator') continue;
    if (e.isDirectory()) out.push(...filesUnder(dir, r));
    else out.push(r);
  }
  return out.sort();
}
