// Collects findings, placing each on the exact source range of a key, a value or a span inside one.
import { formatPath, keyRange, valueRange, type ParsedYaml } from '../parse/yamlDocument';
import type { Finding, FindingFix, Range, RelatedFinding, Severity, ValuePath } from '../spec/types';
import { FINDING_CODES, type FindingCode } from './codes';

export interface FindingOptions {
  step?: string | null;
  suggestions?: string[];
  related?: RelatedFinding[];
  /** Overrides the code's usual severity (a guarded unknown name is a warning). */
  severity?: Severity;
  fixes?: FindingFix[];
}

export class FindingSink {
  readonly findings: Finding[] = [];
  constructor(readonly parsed: ParsedYaml) {}

  add(code: FindingCode, message: string, range: Range, path: ValuePath, opts: FindingOptions = {}): Finding {
    const f: Finding = {
      code,
      severity: opts.severity ?? FINDING_CODES[code].severity,
      message,
      range,
      step: opts.step ?? null,
      path: formatPath(path),
      suggestions: opts.suggestions ?? [],
    };
    if (opts.related?.length) f.related = opts.related;
    if (opts.fixes?.length) f.fixes = opts.fixes;
    this.findings.push(f);
    return f;
  }

  atKey(code: FindingCode, message: string, path: ValuePath, opts?: FindingOptions): Finding {
    return this.add(code, message, keyRange(this.parsed, path), path, opts);
  }

  atValue(code: FindingCode, message: string, path: ValuePath, opts?: FindingOptions): Finding {
    return this.add(code, message, valueRange(this.parsed, path), path, opts);
  }

  atOffsets(code: FindingCode, message: string, start: number, end: number, path: ValuePath, opts?: FindingOptions): Finding {
    return this.add(code, message, this.parsed.lines.range(start, end), path, opts);
  }
}
