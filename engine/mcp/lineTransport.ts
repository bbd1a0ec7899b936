// The stdio transport of `orc mcp`: one JSON-RPC message a line, as the MCP SDK's own, but a line
// too long to read is answered, not fatal. The SDK's transport closes the connection (and `orc mcp`
// exits without a word) once 10 MB are buffered without a newline; this one drops the rest of that
// line, answers it with a JSON-RPC error (the request's id when its first bytes say it) and says
// why on the log, then goes on serving. A line that is not JSON, or not a JSON-RPC message, is
// answered the same way.
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** The longest request line read (bytes, its newline not counted). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
/** How much of a line too long is searched for its request's id. */
const ID_SEARCH_BYTES = 64 * 1024;

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

export interface LineTransportOptions {
  maxLineBytes?: number;
  /** Says why a line was not read (stderr: stdout is the protocol). */
  log?(line: string): void;
}

/** The top-level `id` of a JSON-RPC message from the first bytes of its text (null: not found there). */
export function leadingId(head: string): RequestId | null {
  let depth = 0;
  let i = 0;
  const readString = (): string | null => {
    let out = '';
    for (i++; i < head.length; i++) {
      const c = head[i];
      if (c === '\\') {
        out += head.slice(i, i + 2);
        i++;
      } else if (c === '"') {
        i++;
        try {
          return JSON.parse(`"${out}"`) as string;
        } catch {
          return null;
        }
      } else out += c;
    }
    return null;
  };
  while (i < head.length) {
    const c = head[i];
    if (c === '"') {
      const key = readString();
      if (key === null) return null;
      if (depth !== 1 || key !== 'id') continue;
      const rest = /^\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*")/.exec(head.slice(i));
      if (!rest) continue;
      try {
        const v = JSON.parse(rest[1]) as unknown;
        return typeof v === 'string' || typeof v === 'number' ? v : null;
      } catch {
        return null;
      }
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    i++;
  }
  return null;
}

export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private parts: Buffer[] = [];
  private size = 0;
  /** Reading past the end of a line too long: dropped until its newline. */
  private skipping = false;
  private head = '';
  private started = false;
  private readonly max: number;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly o: LineTransportOptions = {},
  ) {
    this.max = o.maxLineBytes ?? MAX_LINE_BYTES;
  }

  private readonly onData = (chunk: Buffer | string): void => {
    let rest = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (;;) {
      const nl = rest.indexOf(10);
      const piece = nl < 0 ? rest : rest.subarray(0, nl);
      if (!this.skipping) {
        if (this.size + piece.length > this.max) {
          // the line is too long: what it began with says its id; the rest is dropped as it comes
          this.head = Buffer.concat([...this.parts, piece.subarray(0, ID_SEARCH_BYTES)]).subarray(0, ID_SEARCH_BYTES).toString('utf8');
          this.parts = [];
          this.size = 0;
          this.skipping = true;
        } else {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl < 0) return;
      if (this.skipping) {
        this.skipping = false;
        this.tooLong();
      } else {
        const line = Buffer.concat(this.parts).toString('utf8');
        this.parts = [];
        this.size = 0;
        this.line(line);
      }
      rest = rest.subarray(nl + 1);
    }
  };

  private readonly onError = (e: Error): void => this.onerror?.(e);

  async start(): Promise<void> {
    if (this.started) throw new Error('LineTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('error', this.onError);
  }

  private tooLong(): void {
    const id = leadingId(this.head);
    this.head = '';
    const mib = Math.round(this.max / 1024 / 1024);
    const message = `The request line is longer than ${mib} MiB: it was not read${id === null ? '' : ` (request ${JSON.stringify(id)})`}; the server goes on`;
    this.o.log?.(message);
    this.answerError(id, INVALID_REQUEST, message);
  }

  private line(text: string): void {
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      this.o.log?.(`A request line is not JSON (${(e as Error).message}): answered with a parse error`);
      return this.answerError(null, PARSE_ERROR, `Parse error: ${(e as Error).message}`);
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = value && typeof value === 'object' && 'id' in value && (typeof value.id === 'string' || typeof value.id === 'number') ? value.id : null;
      this.o.log?.('A request line is not a JSON-RPC message: answered with an error');
      return this.answerError(id, INVALID_REQUEST, 'Invalid Request: not a JSON-RPC 2.0 message');
    }
    this.onmessage?.(parsed.data);
  }

  private answerError(id: RequestId | null, code: number, message: string): void {
    // a JSON-RPC error answer: `id` null when the request's could not be read
    this.output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } })}\n`);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.output.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.output.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    this.input.off('data', this.onData);
    this.input.off('error', this.onError);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.parts = [];
    this.onclose?.();
  }
}
