// What a query gives back: rows as plain JSON values (64-bit integers as numbers when they fit,
// else strings; bytes as base64; times as ISO 8601), kept up to `max_rows` or streamed into a CSV or
// JSONL file that is written beside its place and renamed there only when the query succeeded.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { ToolError } from '../../toolkit/runtime';

export interface Column {
  name: string;
  type: string;
}

export interface QueryResult {
  rows: Record<string, unknown>[];
  columns: Column[];
  row_count: number;
  truncated: boolean;
  file: string | null;
}

/** A database value as JSON holds it. */
export function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  return v;
}

/** Where the rows of a query go: kept in memory up to a bound, or written to a file. */
export interface RowSink {
  /** False once the sink wants no more rows (the bound is reached: one more row was seen). */
  add(row: Record<string, unknown>): boolean | Promise<boolean>;
  setColumns(columns: Column[]): void;
  finish(): Promise<QueryResult>;
  /** The query failed: drop what was written. */
  abandon(): Promise<void>;
}

export class BoundedRows implements RowSink {
  private readonly rows: Record<string, unknown>[] = [];
  private columns: Column[] = [];
  private truncated = false;

  constructor(private readonly maxRows: number) {}

  setColumns(columns: Column[]): void {
    this.columns = columns;
  }

  add(row: Record<string, unknown>): boolean {
    if (this.rows.length >= this.maxRows) {
      this.truncated = true;
      return false;
    }
    this.rows.push(row);
    return true;
  }

  async finish(): Promise<QueryResult> {
    return { rows: this.rows, columns: this.columns, row_count: this.rows.length, truncated: this.truncated, file: null };
  }

  async abandon(): Promise<void> {}
}

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const FLUSH_AT = 64 * 1024;

/** Every row into a `.csv` (a header line, RFC 4180 quoting) or `.jsonl` file. */
export class FileRows implements RowSink {
  private stream: WriteStream | null = null;
  private columns: Column[] = [];
  private count = 0;
  private pending = '';
  private readonly temp: string;
  private readonly format: 'csv' | 'jsonl';

  constructor(
    private readonly target: string,
    private readonly given: string,
  ) {
    const ext = path.extname(target).toLowerCase();
    if (ext !== '.csv' && ext !== '.jsonl') throw new ToolError(`to_file must end in .csv or .jsonl (got ${given})`, 'ValueError');
    this.format = ext === '.csv' ? 'csv' : 'jsonl';
    this.temp = `${target}.partial-${process.pid}-${Date.now()}`;
  }

  private async open(): Promise<WriteStream> {
    if (this.stream) return this.stream;
    await mkdir(path.dirname(this.target), { recursive: true });
    const s = createWriteStream(this.temp);
    await new Promise<void>((resolve, reject) => {
      s.once('open', () => resolve());
      s.once('error', reject);
    });
    this.stream = s;
    if (this.format === 'csv') await this.write(`${this.columns.map((c) => csvField(c.name)).join(',')}\r\n`);
    return s;
  }

  private write(text: string): Promise<void> | void {
    const s = this.stream!;
    if (s.write(text)) return;
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      s.once('error', onError);
      s.once('drain', () => {
        s.off('error', onError);
        resolve();
      });
    });
  }

  setColumns(columns: Column[]): void {
    this.columns = columns;
  }

  add(row: Record<string, unknown>): boolean | Promise<boolean> {
    this.count++;
    this.pending += this.format === 'csv' ? `${this.columns.map((c) => csvField(row[c.name])).join(',')}\r\n` : `${JSON.stringify(row)}\n`;
    // lines go to the file 64 KiB at a time, waiting for the disk when it is behind
    return this.pending.length < FLUSH_AT ? true : this.flush().then(() => true);
  }

  private async flush(): Promise<void> {
    if (!this.stream) await this.open();
    const text = this.pending;
    this.pending = '';
    if (text) await this.write(text);
  }

  async finish(): Promise<QueryResult> {
    await this.flush();
    const s = this.stream!;
    await new Promise<void>((resolve, reject) => s.end((e?: Error | null) => (e ? reject(e) : resolve())));
    await rename(this.temp, this.target);
    return { rows: [], columns: this.columns, row_count: this.count, truncated: false, file: this.given };
  }

  async abandon(): Promise<void> {
    this.stream?.destroy();
    await rm(this.temp, { force: true });
  }
}
