// Runs a pipeline with agent steps in this process against the loopback provider server: the
// engine's own run (analyze + runPipeline) with real SDKs pointed at loopback, every RunEvent kept.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, createModelRunner, hasErrors, runPipeline, type ResultDocument, type RunEvent, type RunOptions } from '../../engine/api/index';
import type { ToolDefinition } from '../../engine/toolkit/runtime';
import { LoopbackProviders } from '../fixtures/providers/loopbackServer';

/** A loopback provider server for the enclosing describe block: started before its tests, stopped
 *  after them, its requests, script, responder and fallback cleared before each test. */
export function useLoopback(): LoopbackProviders {
  const srv = new LoopbackProviders();
  before(async () => {
    await srv.start();
  });
  after(async () => {
    await srv.stop();
  });
  beforeEach(() => {
    srv.requests.length = 0;
    srv.script.length = 0;
    srv.responder = null;
    srv.fallback = {};
  });
  return srv;
}

/** The environment that points every provider SDK at the loopback server (fake keys). */
export function loopbackEnv(srv: LoopbackProviders): NodeJS.ProcessEnv {
  return {
    OPENAI_API_KEY: 'sk-loopback-openai-0001',
    OPENAI_BASE_URL: `${srv.origin}/v1`,
    ANTHROPIC_API_KEY: 'sk-ant-loopback-0001',
    ANTHROPIC_BASE_URL: srv.origin,
    GEMINI_API_KEY: 'gemini-loopback-0001',
    GOOGLE_GEMINI_BASE_URL: srv.origin,
    OLLAMA_BASE_URL: `${srv.origin}/v1`,
  };
}

/** The turn a request asks for, from 0: how many assistant (model) messages its conversation holds. */
export function turnOf(body: Record<string, unknown>): number {
  const list = (body.messages ?? body.contents ?? []) as { role?: string }[];
  return list.filter((m) => m.role === 'assistant' || m.role === 'model').length;
}

export function tempDir(prefix = 'orc-agent-'): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
}

export interface AgentRunResult {
  doc: ResultDocument;
  events: RunEvent[];
}

/** Analyzes and runs `source` in `dir` (the pipeline written there as `file`); the analysis must compile. */
export async function runAgentPipeline(srv: LoopbackProviders, dir: string, source: string, over: Partial<RunOptions> & { tools?: Record<string, ToolDefinition>; file?: string } = {}): Promise<AgentRunResult> {
  const file = path.join(dir, over.file ?? 'agent.pipeline.yaml');
  fs.writeFileSync(file, source);
  const extra = over.tools ? Object.fromEntries(Object.entries(over.tools).map(([k, t]) => [k, t.spec])) : undefined;
  const a = analyze(source, { tools: extra });
  const errors = a.findings.filter((f) => f.severity === 'error');
  if (hasErrors(a.findings)) throw new Error(`the pipeline does not compile: ${errors.map((f) => `${f.code} ${f.message}`).join('; ')}`);
  const events: RunEvent[] = [];
  const { file: _f, ...options } = over;
  const doc = await runPipeline(a, {
    cwd: dir,
    pipelineFile: file,
    source,
    checkpoint: false,
    models: createModelRunner({ env: loopbackEnv(srv), resilience: { baseDelayMs: 1, maxDelayMs: 5 } }),
    ...options,
    listeners: [(e) => events.push(e), ...(options.listeners ?? [])],
  });
  return { doc, events };
}
