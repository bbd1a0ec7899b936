// One connection to an MCP server through the official SDK: a stdio server started in its own
// process group (so closing it ends everything it started), or a streamable-HTTP one; listing its
// tools and calling one, each bounded by a timeout and a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { McpServerDecl } from '../spec/types';
import { isWithheldVariable } from '../toolkit/providerKeys';
import { ToolError } from '../toolkit/runtime';
import { DEFAULT_START_TIMEOUT_S, describeServer, expandVars, redactSecrets } from './config';
import { MAX_TIMER_MS, setLongTimeout } from '../util/longTimer';
import { killWithToken, newStepToken, STEP_TOKEN_VARIABLE } from '../util/stepProcesses';

/** A tool as a server lists it. */
export interface McpToolInfo {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** What a call answers, as MCP gives it. */
export interface McpCallResult {
  content: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** The last bytes of a server's standard error kept for messages. */
const STDERR_TAIL = 4096;
/** A server listing more tools than this is cut (and said so). */
export const MAX_TOOLS = 1000;
/** Calls have no timeout of their own: the step's `timeout` and the run's cancellation bound them. */
const NO_TIMEOUT_MS = 24 * 3600 * 1000;
/** The largest message a stdio server may send (one JSON-RPC line). */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** After the server exits, how long its output may still be read before what holds it is killed. */
const EXIT_GRACE_MS = 200;

/** A stdio transport whose server runs in its own process group, with its exit and stderr tail known. */
class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private child: ChildProcess | null = null;
  private readonly buffer = new ReadBuffer();
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  /** Why the transport ended the connection itself (an answer too large), for the call's error. */
  failure: string | null = null;
  private closed = false;
  /** Bytes read since the last new line: one message, bounded by MAX_MESSAGE_BYTES. */
  private pending = 0;
  /** Every process the server starts inherits it, in whatever group: killed with the server. */
  private readonly token = newStepToken();

  constructor(
    private readonly command: string,
    private readonly args: string[],
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, this.args, { cwd: this.cwd, env: { ...this.env, [STEP_TOKEN_VARIABLE]: this.token }, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      this.child = child;
      child.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'ENOENT' ? `no program '${this.command}' (not found on PATH${this.cwd ? ` or in ${this.cwd}` : ''})` : e.message;
        reject(new ToolError(why, e.code === 'ENOENT' || e.code === 'EACCES' ? 'ConfigurationError' : 'ConnectionError'));
      });
      child.once('spawn', () => resolve());
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!this.withinBound(chunk)) {
          this.failure = `the server sent a message of more than ${MAX_MESSAGE_BYTES} bytes; it was stopped`;
          this.end();
          return;
        }
        try {
          this.buffer.append(chunk);
          for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m);
        } catch (e) {
          this.onerror?.(e as Error);
        }
      });
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (c: string) => {
        this.stderr = (this.stderr + c).slice(-STDERR_TAIL);
      });
      child.stdin!.on('error', () => undefined);
      child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        // a child it left may hold its output open: the exit is what counts
        setTimeout(() => this.end(), EXIT_GRACE_MS).unref();
      });
      child.on('close', () => {
        this.exit ??= { code: child.exitCode, signal: child.signalCode };
        this.end();
      });
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin || this.exit) return reject(new Error('the server is not running'));
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', () => resolve());
    });
  }

  /** Counts the bytes of each line (message) the chunk continues or holds: false when one passes the bound. */
  private withinBound(chunk: Buffer): boolean {
    let from = 0;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, from)) {
      if (this.pending + i - from > MAX_MESSAGE_BYTES) return false;
      this.pending = 0;
      from = i + 1;
    }
    this.pending += chunk.length - from;
    return this.pending <= MAX_MESSAGE_BYTES;
  }

  /** Kills the server's group and every process it started, stops reading, and reports the close once. */
  private end(): void {
    this.killGroup('SIGKILL'); // anything the server started goes with it
    killWithToken(this.token);
    this.child?.stdout?.destroy();
    this.child?.stderr?.destroy();
    if (!this.closed) {
      this.closed = true;
      this.onclose?.();
    }
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  }

  /** Ends standard input, then SIGTERM after 300 ms and SIGKILL after 1.3 s to the whole group. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.exit) {
      this.killGroup('SIGKILL');
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const wait = (ms: number) => Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
    try {
      child.stdin?.end();
    } catch {
      // ignore
    }
    if (!(await wait(300))) {
      this.killGroup('SIGTERM');
      if (!(await wait(1000))) {
        this.killGroup('SIGKILL');
        await wait(1000);
      }
    }
  }
}

export interface ConnectOptions {
  /** Relative `cwd` and the server's default working directory. */
  cwd: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Default: the declaration's `timeout`, else 10 s. */
  timeoutMs?: number;
}

/** A live connection to one server. */
export class McpConnection {
  private closing: Promise<void> | null = null;
  closed = false;
  private readonly closeListeners: (() => void)[] = [];

  constructor(
    readonly name: string,
    readonly client: Client,
    private readonly transport: Transport,
    private readonly secrets: Set<string>,
  ) {
    const prior = transport.onclose;
    transport.onclose = () => {
      prior?.();
      this.closed = true;
      for (const l of this.closeListeners) l();
    };
  }

  onClose(l: () => void): void {
    this.closeListeners.push(l);
  }

  /** A stdio server's pid (null over HTTP or once it ended). */
  get pid(): number | null {
    return this.transport instanceof ProcessTransport ? this.transport.pid : null;
  }

  /** Why the server went away, for messages: its exit and the tail of its stderr. */
  exitReport(): string {
    if (!(this.transport instanceof ProcessTransport)) return 'the HTTP connection closed';
    const t = this.transport;
    if (t.failure) return this.redact(t.failure);
    const how = t.exit ? (t.exit.signal ? `was killed by ${t.exit.signal}` : `exited with code ${t.exit.code}`) : 'closed its output';
    const tail = t.stderr.trim().split('\n').slice(-5).join('\n');
    return this.redact(`the server process ${how}${tail ? `; its stderr ends with: ${tail}` : ' (nothing on stderr)'}`);
  }

  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** Every tool the server lists (following pages), at most MAX_TOOLS. */
  async listTools(opts: { signal?: AbortSignal; timeoutMs: number }): Promise<McpToolInfo[]> {
    const tools: McpToolInfo[] = [];
    let cursor: string | undefined;
    const deadline = Date.now() + opts.timeoutMs;
    do {
      const page = await this.client.listTools(cursor ? { cursor } : undefined, { signal: opts.signal, timeout: Math.min(MAX_TIMER_MS, Math.max(1, deadline - Date.now())) });
      for (const t of page.tools) {
        if (tools.length >= MAX_TOOLS) break;
        tools.push({ name: t.name, description: t.description ?? t.title ?? '', inputSchema: (t.inputSchema ?? {}) as Record<string, unknown> });
      }
      cursor = page.nextCursor;
    } while (cursor && tools.length < MAX_TOOLS);
    return tools;
  }

  /** Calls a tool; aborting the signal cancels the request (the server is told). */
  async callTool(tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<McpCallResult> {
    try {
      const r = await this.client.callTool({ name: tool, arguments: args }, undefined, { signal, timeout: NO_TIMEOUT_MS });
      return r as McpCallResult;
    } catch (e) {
      // the transport ended the connection: say why
      const failure = this.transport instanceof ProcessTransport ? this.transport.failure : null;
      if (failure) throw new ToolError(failure, 'ResponseError');
      throw e;
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.client.close();
      } catch {
        // closing a connection that failed
      }
      try {
        await this.transport.close();
      } catch {
        // already gone
      }
      this.closed = true;
    })();
    return this.closing;
  }
}

/**
 * Starts (stdio) or reaches (HTTP) a server and completes MCP's initialization, within its start
 * timeout. `${VAR}` in `env` and `headers` is taken from `env` now and never appears in a message.
 */
export async function connectServer(name: string, decl: McpServerDecl, opts: ConnectOptions): Promise<McpConnection> {
  const env = opts.env ?? process.env;
  const secrets = new Set<string>();
  const timeoutS = decl.timeout ?? DEFAULT_START_TIMEOUT_S;
  const timeoutMs = opts.timeoutMs ?? timeoutS * 1000;
  let transport: Transport;
  if (typeof decl.command === 'string' && decl.command) {
    const childEnv: NodeJS.ProcessEnv = { ...env };
    // the model providers' keys and the OTLP credentials go to a server only when its `env` names them
    for (const k of Object.keys(childEnv)) if (isWithheldVariable(k)) delete childEnv[k];
    Object.assign(childEnv, expandVars(decl.env, env, secrets));
    const cwd = decl.cwd ? path.resolve(opts.cwd, decl.cwd) : opts.cwd;
    transport = new ProcessTransport(decl.command, decl.args ?? [], cwd, childEnv);
  } else if (typeof decl.url === 'string' && decl.url) {
    let url: URL;
    try {
      url = new URL(decl.url);
    } catch {
      throw new ToolError(`MCP server '${name}': '${describeServer(decl)}' is not a URL`, 'ConfigurationError');
    }
    const headers = expandVars(decl.headers, env, secrets);
    transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  } else {
    throw new ToolError(`MCP server '${name}' has neither 'command' nor 'url'`, 'ConfigurationError');
  }
  const client = new Client({ name: 'orchestrator', version: '0.1.0' }, { capabilities: {} });
  const conn = new McpConnection(name, client, transport, secrets);
  const what = describeServer(decl);
  const timer = new AbortController();
  const t = setLongTimeout(() => timer.abort(), timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timer.signal]) : timer.signal;
  try {
    await client.connect(transport, { signal, timeout: Math.min(timeoutMs, MAX_TIMER_MS) });
    return conn;
  } catch (e) {
    const exitedFirst = transport instanceof ProcessTransport && transport.exit;
    await conn.close();
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : e;
    if (e instanceof ToolError) throw new ToolError(conn.redact(`MCP server '${name}' (${what}) could not start: ${e.message}`), e.errorType);
    if (exitedFirst) throw new ToolError(`MCP server '${name}' (${what}) could not start: ${conn.exitReport()}`, 'ConnectionError');
    if (timer.signal.aborted) throw new ToolError(conn.redact(`MCP server '${name}' (${what}) did not answer within ${timeoutMs / 1000} s of starting (its 'timeout')`), 'TimeoutError');
    throw new ToolError(conn.redact(`MCP server '${name}' (${what}) could not be reached: ${(e as Error).message}`), 'ConnectionError');
  } finally {
    t.clear();
  }
}
