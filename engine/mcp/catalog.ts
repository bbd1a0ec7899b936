// MCP tools as the analyzer, completion and hover know tools: one ToolSpec per `mcp:<server>.<tool>`
// with the action `call`, whose parameters come from the tool's input schema.
import type { ParamType } from '../spec/types';
import type { ActionSpec, ParamSpec, ToolSpec } from '../toolkit/toolSpecs';
import { table } from '../util/table';
import type { McpToolInfo } from './client';
import { mcpToolName } from './names';

/** The one action of an MCP tool step (`action:` may be left out). */
export const MCP_ACTION = 'call';

/** What an MCP tool step's result holds. */
export const MCP_RESULT_FIELDS: Record<string, string> = {
  content: "The tool's content parts as MCP gives them (`{type: 'text', text}`, images, resources, ...).",
  text: 'The text parts joined with newlines.',
  structured: 'Its structured content, when the tool gives one; null otherwise.',
};

const PARAM_TYPES: ParamType[] = ['string', 'integer', 'number', 'boolean', 'array', 'object'];

function paramType(schema: Record<string, unknown>): ParamSpec['type'] {
  const t = schema.type;
  const list = (Array.isArray(t) ? t : [t]).filter((x): x is ParamType => PARAM_TYPES.includes(x as ParamType));
  if (!list.length) return 'any';
  return list.length === 1 ? list[0] : list;
}

function describe(schema: Record<string, unknown>): string {
  const d = typeof schema.description === 'string' ? schema.description : typeof schema.title === 'string' ? schema.title : '';
  return d;
}

/** The parameters of a tool from its input schema's `properties` and `required`. */
export function parametersOf(inputSchema: Record<string, unknown>): Record<string, ParamSpec> {
  const params = table<ParamSpec>({});
  const props = inputSchema.properties && typeof inputSchema.properties === 'object' && !Array.isArray(inputSchema.properties) ? (inputSchema.properties as Record<string, unknown>) : {};
  const required = Array.isArray(inputSchema.required) ? inputSchema.required.map(String) : [];
  for (const [name, raw] of Object.entries(props)) {
    const s = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    const p: ParamSpec = { type: paramType(s), description: describe(s) };
    if (required.includes(name)) p.required = true;
    if ('default' in s) p.default = s.default;
    if (Array.isArray(s.enum)) p.enum = s.enum;
    params[name] = p;
  }
  return params;
}

export function callActionSpec(description: string, parameters: Record<string, ParamSpec>): ActionSpec {
  return { description, parameters, result: { ...MCP_RESULT_FIELDS } };
}

/** One server's tools as ToolSpecs, keyed `mcp:<server>.<tool>`. */
export function toolSpecs(server: string, tools: McpToolInfo[]): Record<string, ToolSpec> {
  const out: Record<string, ToolSpec> = {};
  for (const t of tools) {
    const name = mcpToolName(server, t.name);
    const description = t.description || `Tool '${t.name}' of MCP server '${server}'.`;
    out[name] = { name, description, actions: table({ [MCP_ACTION]: callActionSpec(description, parametersOf(t.inputSchema)) }) };
  }
  return out;
}

/** What the analyzer knows of MCP servers besides the tool specs of the listed ones. */
export interface McpAnalysisInfo {
  /** Servers declared outside the pipeline (the user's settings): steps may call them too. */
  userServers: string[];
  /** Per server: listed (its tools are among the tool specs), or why its tools are not known. */
  status: Record<string, { listed: true } | { listed: false; reason: string; failed: boolean }>;
}

/** A spec for a tool not listed (yet): any parameters, the same result fields. */
export function unlistedToolSpec(name: string): ToolSpec {
  return { name, description: `MCP tool ${name}`, actions: table({ [MCP_ACTION]: callActionSpec(`Calls ${name}.`, table<ParamSpec>({})) }) };
}
