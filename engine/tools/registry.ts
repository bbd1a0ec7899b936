// The built-in tools with their implementations; a run may add its own (benchmarks, tests, hosts).
import { dataTool } from './data';
import { filesystemTool } from './filesystem';
import { httpTool } from './http';
import { pipelineTool } from './pipelineTool';
import type { ToolDefinition } from './runtime';
import { terminalTool } from './terminal';
import { validationTool } from './validation';

export const BUILTIN_TOOLS: Record<string, ToolDefinition> = {
  filesystem: filesystemTool,
  terminal: terminalTool,
  http: httpTool,
  data: dataTool,
  validation: validationTool,
  pipeline: pipelineTool,
};
