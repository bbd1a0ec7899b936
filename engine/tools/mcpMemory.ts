// `mcp-memory`: a run's key-value memory in namespaces with a time to live, held in the run's
// process (as ContextLab holds it), bounded in entries.
import { mcpMemorySpec } from '../toolkit/specs/mcpMemory';
import { ToolError, type ToolDefinition, type ToolOutcome } from '../toolkit/runtime';

/** The most values one run's memory holds at once. */
export const MAX_MEMORY_ENTRIES = 10_000;

interface Entry {
  value: unknown;
  stored_at: string;
  stored_ms: number;
  ttl: number;
  type: string;
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** One run's memory. */
export class McpMemory {
  private readonly spaces = new Map<string, Map<string, Entry>>();
  private size = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private space(ns: string): Map<string, Entry> {
    let m = this.spaces.get(ns);
    if (!m) this.spaces.set(ns, (m = new Map()));
    return m;
  }

  private expired(e: Entry): boolean {
    return e.ttl > 0 && this.now() > e.stored_ms + e.ttl * 1000;
  }

  private drop(m: Map<string, Entry>, key: string): void {
    if (m.delete(key)) this.size--;
  }

  run(p: Record<string, unknown>): ToolOutcome {
    const action = p.action;
    const namespace = p.namespace === undefined || p.namespace === null ? 'default' : String(p.namespace);
    const needKey = (): string => {
      if (typeof p.key !== 'string' || !p.key) throw new ToolError(`mcp-memory ${String(action)} needs a 'key'`, 'ValueError');
      return p.key;
    };
    const m = this.space(namespace);
    switch (action) {
      case 'store': {
        const key = needKey();
        const ttl = p.ttl === undefined || p.ttl === null ? 0 : Number(p.ttl);
        if (!Number.isFinite(ttl) || ttl < 0) throw new ToolError(`'ttl' must be 0 or a positive number of seconds, not ${JSON.stringify(p.ttl)}`, 'ValueError');
        if (!m.has(key) && this.size >= MAX_MEMORY_ENTRIES) throw new ToolError(`The run's memory holds ${MAX_MEMORY_ENTRIES} values, its limit: clear a namespace first`, 'LimitError');
        const value = p.value === undefined ? null : p.value;
        const now = this.now();
        if (!m.has(key)) this.size++;
        m.set(key, { value, stored_at: new Date(now).toISOString(), stored_ms: now, ttl, type: typeName(value) });
        return { success: true, result: { namespace, key, stored: true, ttl } };
      }
      case 'retrieve': {
        const key = needKey();
        const e = m.get(key);
        if (e && this.expired(e)) {
          this.drop(m, key);
          return { success: true, result: { namespace, key, found: false, value: null, expired: true, metadata: null } };
        }
        if (!e) return { success: true, result: { namespace, key, found: false, value: null, expired: false, metadata: null } };
        return { success: true, result: { namespace, key, found: true, value: e.value, expired: false, metadata: { stored_at: e.stored_at, ttl: e.ttl, type: e.type } } };
      }
      case 'list': {
        for (const [k, e] of [...m]) if (this.expired(e)) this.drop(m, k);
        const keys = [...m.keys()];
        return { success: true, result: { namespace, keys, count: keys.length } };
      }
      case 'clear': {
        this.size -= m.size;
        m.clear();
        return { success: true, result: { namespace, cleared: true } };
      }
      default:
        throw new ToolError(`mcp-memory has no operation ${JSON.stringify(action)}: use 'store', 'retrieve', 'list' or 'clear'`, 'ValueError');
    }
  }
}

/** A memory tool with its own store: a run makes one (engine/run/runPipeline.ts), nested runs share it. */
export function createMcpMemoryTool(memory = new McpMemory()): ToolDefinition {
  return {
    spec: mcpMemorySpec,
    run: async (action, params) => {
      if (action !== 'execute') throw new ToolError(`mcp-memory has no action '${action}': use 'execute' with parameters.action`, 'ValueError');
      return memory.run(params);
    },
  };
}

/** The registry's instance, for hosts that run tools outside runPipeline (a run replaces it with its own). */
export const mcpMemoryTool: ToolDefinition = createMcpMemoryTool();
