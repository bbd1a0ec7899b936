// A pipeline seen as a tool: its name (MCP's tool-name rules), its description, the JSON Schema of
// its parameters (the call's arguments) and of its outputs. One place for every face that offers a
// pipeline to a model or an agent: `orc mcp` (engine/api/mcpServe.ts) and, later, an agent step.
// Pure: no I/O.
import type { ParameterDecl, Pipeline } from '../spec/types';

/** What a client (or a model) sees of a pipeline offered as a tool. */
export interface PipelineToolDescription {
  name: string;
  /** The pipeline's `name:`, when it has one. */
  title?: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, Record<string, unknown>>; required?: string[]; additionalProperties: false };
  outputSchema: { type: 'object'; properties: Record<string, Record<string, unknown>> };
}

/** MCP tool names: 1 to 128 characters of A-Z a-z 0-9 _ - . */
const MAX_TOOL_NAME = 128;

/** A pipeline id as a tool name: every other character becomes `_`, cut to 128 characters. */
export function toolNameOf(id: string): string {
  const name = id.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, MAX_TOOL_NAME);
  return name || 'pipeline';
}

/** Tool names for these pipeline ids, in order: a name already taken gets `_2`, `_3`… (the first keeps it). */
export function uniqueToolNames(ids: string[]): string[] {
  const taken = new Set<string>();
  return ids.map((id) => {
    const base = toolNameOf(id);
    let name = base;
    for (let n = 2; taken.has(name); n++) {
      const suffix = `_${n}`;
      name = base.slice(0, MAX_TOOL_NAME - suffix.length) + suffix;
    }
    taken.add(name);
    return name;
  });
}

/** One parameter's JSON Schema: its type, description, enum and default as declared. */
export function parameterSchema(p: ParameterDecl): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  if (p.type) s.type = p.type;
  if (p.description) s.description = p.description;
  if (p.enum) s.enum = p.enum;
  if (p.hasDefault && p.default !== undefined) s.default = p.default;
  // a secret is sent, never shown back
  if (p.secret) s.writeOnly = true;
  return s;
}

/** The tool a pipeline is: `name` as given (see uniqueToolNames), the rest from the pipeline. */
export function pipelineToolDescription(pipeline: Pipeline, name = toolNameOf(pipeline.id)): PipelineToolDescription {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const p of pipeline.parameters) {
    Object.defineProperty(properties, p.name, { value: parameterSchema(p), enumerable: true, writable: true, configurable: true });
    if (p.required && !p.hasDefault) required.push(p.name);
  }
  const outputs: Record<string, Record<string, unknown>> = {};
  for (const k of Object.keys(pipeline.outputs ?? {})) Object.defineProperty(outputs, k, { value: {}, enumerable: true, writable: true, configurable: true });
  const description = pipeline.description?.trim() || `Runs the pipeline '${pipeline.name ?? pipeline.id}'.`;
  return {
    name,
    ...(pipeline.name ? { title: pipeline.name } : {}),
    description,
    inputSchema: { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false },
    outputSchema: { type: 'object', properties: outputs },
  };
}
