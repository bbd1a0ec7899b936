// `mcp-memory`: ContextLab's key-value memory for a run, in namespaces with a time to live. Pure
// data: the language server bundles it.
import type { ToolSpec } from '../toolSpec';

export const mcpMemorySpec: ToolSpec = {
  name: 'mcp-memory',
  description: 'Keeps values for the rest of the run in namespaces, each with an optional time to live. The memory is in the run\'s process: it starts empty with each run (nested pipelines share their parent\'s) and nothing is written to disk.',
  actions: {
    execute: {
      description: 'Runs one operation, chosen by the `action` parameter: `store` a value, `retrieve` it, `list` the keys of a namespace, or `clear` a namespace.',
      parameters: {
        action: { type: 'string', required: true, description: 'The operation: store, retrieve, list or clear.', enum: ['store', 'retrieve', 'list', 'clear'] },
        namespace: { type: 'string', description: 'The namespace (default `default`).', default: 'default' },
        key: { type: 'string', description: 'For `store` and `retrieve`: the key.' },
        value: { type: 'any', description: 'For `store`: the value (any data).' },
        ttl: { type: 'number', description: 'For `store`: seconds the value lives; 0 (the default) keeps it for the run.', default: 0 },
      },
      result: {
        namespace: 'The namespace.',
        key: '`store`, `retrieve`: the key.',
        stored: '`store`: true.',
        ttl: '`store`: the time to live given.',
        found: '`retrieve`: whether a live value was there.',
        value: '`retrieve`: the value, or null.',
        expired: '`retrieve`: true when the value was there but its time to live had passed.',
        metadata: '`retrieve`: `{stored_at, ttl, type}` of the value found, or null.',
        keys: '`list`: the live keys, in the order they were first stored.',
        count: '`list`: how many.',
        cleared: '`clear`: true.',
      },
    },
  },
};
