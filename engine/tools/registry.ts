// The built-in tools with their implementations; a run may add its own (benchmarks, tests, hosts).
import { dataTool } from './data';
import { dataProcessingTool } from './dataProcessing';
import { filesystemTool } from './filesystem';
import { headlessBrowserTool } from './headlessBrowser';
import { httpTool } from './http';
import { mcpMemoryTool } from './mcpMemory';
import { mcpServerTool } from './mcpServer';
import { approvalGateTool, feedbackCollectionTool, userPromptTool } from './humanInTheLoop';
import { pdfCompilerTool } from './pdfCompiler';
import { pipelineExecutorTool } from './pipelineExecutor';
import { pipelineTool } from './pipelineTool';
import { reportGeneratorTool } from './reportGenerator';
import type { ToolDefinition } from '../toolkit/runtime';
import { pythonExecutorTool } from './pythonExecutor';
import { terminalTool } from './terminal';
import { validationTool } from './validation';
import { imageAnalysisTool, imageGenerationTool, multiModelRoutingTool, promptOptimizationTool, taskDelegationTool } from './modelTools';
import { webSearchTool } from './webSearch';
import { sqlTool } from './sql/tool';
import { objectStorageTool } from './objectStorage/tool';
import { visualizationTool } from './visualization';

export const BUILTIN_TOOLS: Record<string, ToolDefinition> = {
  filesystem: filesystemTool,
  terminal: terminalTool,
  http: httpTool,
  data: dataTool,
  validation: validationTool,
  pipeline: pipelineTool,
  'prompt-optimization': promptOptimizationTool,
  'task-delegation': taskDelegationTool,
  'multi-model-routing': multiModelRoutingTool,
  'image-analysis': imageAnalysisTool,
  'image-generation': imageGenerationTool,
  'data-processing': dataProcessingTool,
  'report-generator': reportGeneratorTool,
  'pipeline-executor': pipelineExecutorTool,
  'mcp-server': mcpServerTool,
  'mcp-memory': mcpMemoryTool,
  'user-prompt': userPromptTool,
  'approval-gate': approvalGateTool,
  'feedback-collection': feedbackCollectionTool,
  'web-search': webSearchTool,
  'python-executor': pythonExecutorTool,
  'headless-browser': headlessBrowserTool,
  'pdf-compiler': pdfCompilerTool,
  sql: sqlTool,
  'object-storage': objectStorageTool,
  visualization: visualizationTool,
};
