// The cassette file: one JSON line per recorded model call, keyed by the hash of its request.
// Lines are appended as calls end (a killed run leaves a readable file: the last line for a key
// wins, a line cut short at the end is dropped) and the file is rewritten once, deduplicated and
// sorted by key, when the last run recording into it ends (temp file + rename).
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ChatMessage, ToolDecl, WireToolCall } from './provider';

/** What identifies a call: everything that shapes the model's answer, never a key, header or URL. */
export interface CassetteRequest {
  provider: string;
  /** The model's name inside its provider (a `tool` entry: the tool as the agent's allow-list spells it). */
  model: string;
  /** `text` (generate or stream), `structured` (an answer that must match `schema`), `chat` (a turn of an
   * agent's conversation: `messages` and `tools`), or `tool` (an agent's tool call: `prompt` is its arguments' canonical JSON). */
  kind: 'text' | 'structured' | 'chat' | 'tool';
  system: string | null;
  prompt: string;
  max_tokens: number | null;
  temperature: number | null;
  schema: Record<string, unknown> | null;
  messages?: ChatMessage[];
  tools?: ToolDecl[];
  parallel_tool_calls?: boolean;
  tool_choice?: 'none';
  /** A `tool` entry: the how-manieth call of this tool with these arguments in the step (1 first). */
  occurrence?: number;
  /** An eval's trial (from the second, 1): each trial's answers are its own. */
  trial?: number;
  /** Images, files and audio sent with the prompt: each by its kind, media type and content hash (never its bytes). */
  parts?: { kind: string; media_type: string; sha256: string; url?: string }[];
}

export interface CassetteAnswer {
  text: string;
  /** A structured answer's parsed JSON. */
  data?: unknown;
  /** A streamed answer's deltas, in the order they came. */
  deltas?: string[];
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  /** Why the model stopped and the model that answered, when the provider said (traces record them). */
  finish_reasons?: string[];
  response_model?: string;
  /** A chat turn: the calls the model asked for, and the provider's own form of its message (echoed back next turn). */
  tool_calls?: WireToolCall[];
  native?: { provider: string; content: unknown };
  /** A tool entry: what the call gave. */
  tool_result?: { status: 'ok' | 'error'; result?: unknown; error?: string };
}

export interface CassetteLine {
  key: string;
  /** The step that made the call (null: a call made outside a step). */
  stepId: string | null;
  request: CassetteRequest;
  answer: CassetteAnswer;
}

/** A cassette that cannot be read: its path and, for a broken line, the line's number. */
export class CassetteFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CassetteFileError';
  }
}

/** JSON with every object's keys sorted: the same value always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
    .join(',')}}`;
}

/** The request's key: sha256 of its canonical JSON. */
export function requestKey(r: CassetteRequest): string {
  return createHash('sha256').update(canonicalJson(r)).digest('hex');
}

function isLine(v: unknown): v is CassetteLine {
  const l = v as CassetteLine;
  return !!l && typeof l === 'object' && typeof l.key === 'string' && !!l.request && typeof l.request === 'object' && !!l.answer && typeof l.answer === 'object' && typeof l.answer.text === 'string';
}

/** The lines of a cassette's text, the last one for each key kept. */
export function parseCassette(text: string, file: string): Map<string, CassetteLine> {
  const lines = new Map<string, CassetteLine>();
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i].trim();
    if (!row) continue;
    let v: unknown;
    try {
      v = JSON.parse(row);
    } catch {
      // the last line of a run killed while writing it: dropped
      if (i === rows.length - 1) continue;
      throw new CassetteFileError(`${file}:${i + 1}: this line of the cassette is not JSON`);
    }
    if (!isLine(v)) throw new CassetteFileError(`${file}:${i + 1}: this line of the cassette is not a recorded call (it needs key, request and answer.text)`);
    lines.delete(v.key);
    lines.set(v.key, v);
  }
  return lines;
}

function stamp(file: string): string | null {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}

/** One cassette file in this process, shared by every run that uses it at the same time. */
export class CassetteStore {
  lines = new Map<string, CassetteLine>();
  users = 0;
  /** Appended to since the file was last rewritten. */
  private appended = false;
  private loadedAt: string | null = null;

  constructor(readonly file: string) {}

  /** Reads the file again when it changed since this store last read or wrote it. */
  load(): void {
    const now = stamp(this.file);
    if (now !== null && now === this.loadedAt) return;
    this.lines = now === null ? new Map() : parseCassette(readFileSync(this.file, 'utf8'), this.file);
    this.loadedAt = now;
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  find(key: string): CassetteLine | undefined {
    return this.lines.get(key);
  }

  /** Keeps the line and appends it to the file at once. */
  add(line: CassetteLine): void {
    this.lines.delete(line.key);
    this.lines.set(line.key, line);
    appendFileSync(this.file, `${JSON.stringify(line)}\n`);
    this.appended = true;
    this.loadedAt = stamp(this.file);
  }

  /** Rewrites the file with one line per key, sorted by key (lines other processes appended kept). */
  compact(): void {
    if (!this.appended) return;
    const onDisk = existsSync(this.file) ? parseCassette(readFileSync(this.file, 'utf8'), this.file) : new Map<string, CassetteLine>();
    const keys = [...onDisk.keys()].sort();
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    writeFileSync(tmp, keys.map((k) => `${JSON.stringify(onDisk.get(k))}\n`).join(''));
    renameSync(tmp, this.file);
    this.lines = onDisk;
    this.appended = false;
    this.loadedAt = stamp(this.file);
  }
}

const stores = new Map<string, CassetteStore>();

/** The process's store of a cassette file (made on first use, read again when the file changed). */
export function storeOf(file: string): CassetteStore {
  const abs = path.resolve(file);
  let s = stores.get(abs);
  if (!s) {
    s = new CassetteStore(abs);
    stores.set(abs, s);
  }
  return s;
}
