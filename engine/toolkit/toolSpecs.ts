// The registry of tool specs: every built-in tool and action with its parameters and result
// fields (the larger tools' specs are in specs/). The analyzer checks steps against it.
import { table } from '../util/table';
import { dataProcessingSpec } from './specs/dataProcessing';
import { pipelineExecutorSpec } from './specs/pipelineExecutor';
import { reportGeneratorSpec } from './specs/reportGenerator';
import { mcpMemorySpec } from './specs/mcpMemory';
import { mcpServerSpec } from './specs/mcpServer';
import { headlessBrowserSpec } from './specs/headlessBrowser';
import { pdfCompilerSpec } from './specs/pdfCompiler';
import { pythonExecutorSpec } from './specs/pythonExecutor';
import { approvalGateSpec, feedbackCollectionSpec, userPromptSpec } from './specs/humanInTheLoop';
import { webSearchSpec } from './specs/webSearch';
import { sqlSpec } from './specs/sql';
import { objectStorageSpec } from './specs/objectStorage';
import { imageAnalysisSpec, imageGenerationSpec, multiModelRoutingSpec, promptOptimizationSpec, taskDelegationSpec } from './specs/modelTools';

export type { ActionSpec, ParamSpec, ToolSpec } from './toolSpec';
export { inlineDocumentParams } from './toolSpec';
import type { ActionSpec, ParamSpec, ToolSpec } from './toolSpec';
import { visualizationSpec } from './specs/visualization';

const path = (description: string): ParamSpec => ({ type: 'string', required: true, description });

export const TOOL_SPECS: Record<string, ToolSpec> = table<ToolSpec>({
  filesystem: {
    name: 'filesystem',
    description: 'Reads and writes files. Relative paths start at the working directory; a path that escapes it is refused.',
    actions: {
      read: { description: 'Reads a text file.', parameters: { path: path('File to read.'), encoding: { type: 'string', description: 'Text encoding (default utf8).', default: 'utf8' } }, result: { content: 'The text of the file.', size: 'Size in bytes.', path: 'The path as given.' } },
      write: { description: 'Writes a text file, creating its folders; replaces an existing file.', parameters: { path: path('File to write.'), content: { type: 'any', required: true, description: 'Text to write (data is written as JSON).' } }, result: { path: 'The path as given.', size: 'Bytes written.' } },
      append: { description: 'Appends text to a file, creating it if needed.', parameters: { path: path('File to append to.'), content: { type: 'any', required: true, description: 'Text to append.' } }, result: { path: 'The path as given.', size: 'Size of the file after appending, in bytes.' } },
      copy: { description: 'Copies a file or folder.', parameters: { source: path('What to copy (ContextLab writes it as `path`).'), path: { type: 'string', description: 'ContextLab\'s name for `source`.', aliasOf: 'source' }, destination: path('Where to copy it.'), overwrite: { type: 'boolean', description: 'Replace an existing destination (default false).', default: false } }, result: { source: 'The source as given.', destination: 'The destination as given.' } },
      move: { description: 'Moves or renames a file or folder.', parameters: { source: path('What to move.'), destination: path('Where to move it.'), overwrite: { type: 'boolean', description: 'Replace an existing destination (default false).', default: false } }, result: { source: 'The source as given.', destination: 'The destination as given.' } },
      delete: { description: 'Deletes a file, or a folder with `recursive: true`.', parameters: { path: path('What to delete.'), recursive: { type: 'boolean', description: 'Delete a folder and everything in it (default false).', default: false } }, result: { path: 'The path as given.', deleted: 'Whether something was deleted.' } },
      list: { description: 'Lists a folder.', parameters: { path: { type: 'string', description: 'Folder to list (default the working directory).', default: '.' }, pattern: { type: 'string', description: 'Glob the names must match, e.g. `*.md`.' }, recursive: { type: 'boolean', description: 'Include sub-folders (default false).', default: false } }, result: { path: 'The path as given.', entries: 'List of `{name, path, type, size}`.', count: 'Number of entries.' } },
      exists: { description: 'Tells whether a path exists.', parameters: { path: path('Path to check.') }, result: { path: 'The path as given.', exists: 'true or false.', type: '`file`, `directory` or none.' } },
    },
  },
  terminal: {
    name: 'terminal',
    description: 'Runs a shell command. A non-zero exit is a reported failure; a timeout kills the command and every process it started.',
    actions: {
      execute: {
        description: 'Runs a command in a shell and captures its output.',
        parameters: {
          command: { type: 'string', required: true, description: 'The command line, run by `/bin/sh -c`.' },
          cwd: { type: 'string', description: 'Working directory of the command (default the run\'s).' },
          working_dir: { type: 'string', description: 'ContextLab\'s name for `cwd`.', aliasOf: 'cwd' },
          capture_output: { type: 'boolean', description: 'Keep stdout and stderr in the result (default true); false still streams them to the run\'s output.', default: true },
          env: { type: 'object', description: 'Environment variables added to the run\'s.' },
          pass_env: { type: 'array', description: 'Names of the run\'s environment variables withheld by default that this command gets: the model providers\' keys (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `GOOGLE_API_KEY`).' },
          timeout: { type: 'number', description: 'Seconds before the command is killed (the step\'s `timeout` also applies).' },
          input: { type: 'string', description: 'Text given to the command on standard input.' },
        },
        result: { stdout: 'Standard output.', stderr: 'Standard error.', exit_code: 'Exit code.', return_code: 'Exit code (ContextLab\'s name).', command: 'The command that ran.', working_dir: 'The working directory as given (`.` for the run\'s).', execution_time: 'Seconds the command ran.', truncated: '`true` when stdout or stderr passed 10 MiB and was cut (the cut is marked `[output truncated: N more characters]`); absent otherwise.' },
      },
    },
  },
  http: {
    name: 'http',
    description: 'Makes HTTP requests, with a timeout and a cap on the response size.',
    actions: {
      get: { description: 'GET a URL.', parameters: { url: path('The URL.'), headers: { type: 'object', description: 'Request headers.' }, timeout: { type: 'number', description: 'Seconds before giving up (default 30).', default: 30 }, max_bytes: { type: 'integer', description: 'Largest response body accepted (default 10 MB).', default: 10485760 } }, result: { status: 'HTTP status code.', headers: 'Response headers.', body: 'Response body as text.', json: 'The body parsed as JSON, when it is JSON.' } },
      post: { description: 'POST to a URL.', parameters: { url: path('The URL.'), body: { type: 'any', description: 'Request body: text, or data sent as JSON.' }, headers: { type: 'object', description: 'Request headers.' }, timeout: { type: 'number', description: 'Seconds before giving up (default 30).', default: 30 }, max_bytes: { type: 'integer', description: 'Largest response body accepted (default 10 MB).', default: 10485760 } }, result: { status: 'HTTP status code.', headers: 'Response headers.', body: 'Response body as text.', json: 'The body parsed as JSON, when it is JSON.' } },
      request: { description: 'Any HTTP method.', parameters: { method: { type: 'string', required: true, description: 'GET, POST, PUT, PATCH, DELETE or HEAD.', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] }, url: path('The URL.'), body: { type: 'any', description: 'Request body: text, or data sent as JSON.' }, headers: { type: 'object', description: 'Request headers.' }, timeout: { type: 'number', description: 'Seconds before giving up (default 30).', default: 30 }, max_bytes: { type: 'integer', description: 'Largest response body accepted (default 10 MB).', default: 10485760 } }, result: { status: 'HTTP status code.', headers: 'Response headers.', body: 'Response body as text.', json: 'The body parsed as JSON, when it is JSON.' } },
    },
  },
  data: {
    name: 'data',
    description: 'Parses, converts and reshapes data (JSON, CSV, YAML, lists of records).',
    actions: {
      parse: { description: 'Parses text into data.', parameters: { content: { type: 'string', required: true, description: 'The text.' }, format: { type: 'string', required: true, description: 'json, csv or yaml.', enum: ['json', 'csv', 'yaml'] } }, result: { data: 'The parsed data.' } },
      convert: { description: 'Writes data as text in a format.', parameters: { data: { type: 'any', required: true, description: 'The data.' }, format: { type: 'string', required: true, description: 'json, csv or yaml.', enum: ['json', 'csv', 'yaml'] } }, result: { content: 'The text.' } },
      filter: { description: 'Keeps the records for which an expression over `item` is true.', parameters: { data: { type: 'array', required: true, description: 'A list.' }, where: { type: 'string', required: true, description: 'An expression over `item`, e.g. `item.score > 3`.' } }, result: { data: 'The kept records.', count: 'How many.' } },
      map: { description: 'Replaces each record by an expression over `item`.', parameters: { data: { type: 'array', required: true, description: 'A list.' }, expression: { type: 'string', required: true, description: 'An expression over `item`, e.g. `item.name | upper`.' } }, result: { data: 'The new list.', count: 'How many.' } },
      sort: { description: 'Sorts records by a field.', parameters: { data: { type: 'array', required: true, description: 'A list.' }, by: { type: 'string', description: 'Field to sort by (default the items themselves).' }, reverse: { type: 'boolean', description: 'Largest first (default false).', default: false } }, result: { data: 'The sorted list.', count: 'How many.' } },
      group: { description: 'Groups records by a field.', parameters: { data: { type: 'array', required: true, description: 'A list.' }, by: { type: 'string', required: true, description: 'Field to group by.' } }, result: { groups: 'Mapping of each value of the field to its records.', count: 'Number of groups.' } },
      aggregate: { description: 'Computes count, sum, avg, min and max of a field, overall or per group.', parameters: { data: { type: 'array', required: true, description: 'A list.' }, field: { type: 'string', description: 'Numeric field to aggregate (count needs none).' }, by: { type: 'string', description: 'Field to group by.' }, operations: { type: 'array', description: 'Any of count, sum, avg, min, max (default all).' } }, result: { result: 'The aggregates, or a mapping of group to aggregates.' } },
    },
  },
  validation: {
    name: 'validation',
    description: 'Validates data against a JSON Schema, and extracts structured data from text with a model.',
    actions: {
      validate: {
        description: 'Checks data against a JSON Schema; in `strict` and `lenient` mode a mismatch is a reported failure listing every error.',
        parameters: {
          data: { type: 'any', required: true, description: 'The data; text is read as JSON, else as CSV rows (a header line, commas), unless the schema wants a string.' },
          schema: { type: 'object', required: true, description: 'A JSON Schema (each row is checked against it when the data is a list of rows and the schema is not an array schema).' },
          mode: { type: 'string', description: '`strict` (default), `lenient` (convert mismatched types where safe: text to number, integer or boolean, number to text; report each conversion as a warning) or `report_only` (never fails: `valid` false and the errors). Another value is read as strict, with a warning.', default: 'strict' },
        },
        result: { valid: 'true or false.', errors: 'List of `{path, message}` (`row` too, from 1, for rows).', warnings: 'List of `{path, message}`: lenient conversions (with `coerced_to`), an unknown mode.', data: 'The data as checked: parsed from text, with lenient conversions when they made it valid.', mode: 'The mode used.', rows_validated: 'Number of rows, when the data is a list of rows (absent otherwise).' },
      },
      extract_structured: {
        description: 'Asks a model for data matching a schema, extracted from a text; an answer that does not match is a reported failure.',
        usesModel: true,
        parameters: {
          text: { type: 'string', required: true, description: 'The text to extract from.' },
          schema: { type: 'object', required: true, description: 'A JSON Schema of the data (sent to the model as a strict schema: optional properties may come back null, and are then left out).' },
          model: { type: 'string', description: '`provider:model` for the call (a bare registry name such as `gpt-4o-mini` is accepted); default the step\'s model.' },
        },
        result: { valid: 'true or false.', data: 'The extracted data.', errors: 'List of `{path, message}`.', warnings: 'Always empty (ContextLab\'s field).', model_used: 'The model that answered.' },
      },
    },
  },
  pipeline: {
    name: 'pipeline',
    description: 'Runs another pipeline file as one step.',
    actions: {
      run: { description: 'Runs a nested pipeline with inputs and returns its outputs.', parameters: { pipeline: { type: 'string', required: true, description: 'Path of the pipeline file, relative to this one.' }, inputs: { type: 'object', description: 'Its parameters.' } }, result: { outputs: 'Its declared outputs.', status: 'Its status.', execution_id: 'Its execution id.' } },
    },
  },
  'prompt-optimization': promptOptimizationSpec,
  'task-delegation': taskDelegationSpec,
  'multi-model-routing': multiModelRoutingSpec,
  'image-analysis': imageAnalysisSpec,
  'image-generation': imageGenerationSpec,
  'data-processing': dataProcessingSpec,
  'report-generator': reportGeneratorSpec,
  'pipeline-executor': pipelineExecutorSpec,
  'mcp-server': mcpServerSpec,
  'mcp-memory': mcpMemorySpec,
  'user-prompt': userPromptSpec,
  'approval-gate': approvalGateSpec,
  'feedback-collection': feedbackCollectionSpec,
  'web-search': webSearchSpec,
  'python-executor': pythonExecutorSpec,
  'headless-browser': headlessBrowserSpec,
  'pdf-compiler': pdfCompilerSpec,
  sql: sqlSpec,
  'object-storage': objectStorageSpec,
  visualization: visualizationSpec,
});

/** Images, files and audio a model action sends with its prompt (engine/models/contentParts.ts). */
const MEDIA_PARAMETERS: Record<'images' | 'files' | 'audio', ParamSpec> = {
  images: { type: ['array', 'string'], description: 'Images the model sees with the prompt: workspace paths (png, jpeg, gif, webp) or http(s) URLs; never outside the workspace.' },
  files: { type: ['array', 'string'], description: 'Documents the model reads with the prompt (PDF, text): workspace paths or URLs; never outside the workspace.' },
  audio: { type: ['array', 'string'], description: 'Audio the model hears with the prompt (wav, mp3): workspace paths; never outside the workspace.' },
};

/** Actions that need no tool: each calls a model. */
export const BUILTIN_ACTIONS: Record<string, ActionSpec> = table<ActionSpec>({
  generate: {
    description: 'Asks a model for text.',
    usesModel: true,
    parameters: {
      prompt: { type: 'string', required: true, description: 'The prompt.' },
      system: { type: 'string', description: 'A system prompt (a `personality` gives one too).' },
      max_tokens: { type: 'integer', description: 'Largest answer, in tokens.' },
      temperature: { type: 'number', description: 'Sampling temperature, 0 to 2.' },
      model: { type: 'string', description: '`provider:model` for this call (ContextLab\'s place for it; the same as the step\'s `model:`).' },
      stream: { type: 'boolean', description: 'Stream the answer as it is written (default true).', default: true },
      ...MEDIA_PARAMETERS,
    },
  },
  generate_structured: {
    description: 'Asks a model for JSON matching a schema (or the step\'s `vars`).',
    usesModel: true,
    parameters: {
      prompt: { type: 'string', required: true, description: 'The prompt.' },
      schema: { type: 'object', description: 'JSON Schema of the answer (the step\'s `vars` build one when absent).' },
      system: { type: 'string', description: 'A system prompt.' },
      max_tokens: { type: 'integer', description: 'Largest answer, in tokens.' },
      temperature: { type: 'number', description: 'Sampling temperature, 0 to 2.' },
      model: { type: 'string', description: '`provider:model` for this call (the same as the step\'s `model:`).' },
      ...MEDIA_PARAMETERS,
    },
  },
  analyze_text: {
    description: 'Asks a model to analyze a text (sentiment, entities, summary, ...).',
    usesModel: true,
    parameters: {
      text: { type: 'string', required: true, unlessGiven: ['prompt'], description: 'The text to analyze (may be left out when the `prompt` holds it, as ContextLab allows).' },
      analysis_type: { type: 'string', description: 'What to find: summary, sentiment, entities, key_points or a free description (default summary).', default: 'summary' },
      prompt: { type: 'string', description: 'Extra instructions.' },
      max_tokens: { type: 'integer', description: 'Largest answer, in tokens.' },
      model: { type: 'string', description: '`provider:model` for this call (the same as the step\'s `model:`).' },
      stream: { type: 'boolean', description: 'Stream the answer as it is written (default true).', default: true },
      ...MEDIA_PARAMETERS,
    },
  },
  evaluate_condition: {
    description: 'Asks a model whether a statement holds; the result is true or false.',
    usesModel: true,
    parameters: {
      condition: { type: 'string', required: true, description: 'The statement to judge.' },
      context: { type: 'string', description: 'Text the statement is about.' },
    },
  },
  agent: {
    description: 'Lets the model call the tools of the step\'s `tools:` allow-list in a loop until it answers, within `max_turns`, `max_tool_calls`, `budget` and the step\'s `timeout` (docs/agents.md). The result is `{answer, vars?, stop_reason, turns, tool_calls}`.',
    usesModel: true,
    parameters: {
      prompt: { type: 'string', required: true, description: 'The task: the first user message.' },
      instructions: { type: 'string', description: 'The system prompt (a `personality` gives one too).' },
      max_tokens: { type: 'integer', description: 'Largest answer per turn, in tokens.' },
      temperature: { type: 'number', description: 'Sampling temperature, 0 to 2.' },
      model: { type: 'string', description: '`provider:model` for the agent (the same as the step\'s `model:`).' },
      stream: { type: 'boolean', description: 'Stream each turn\'s text as it is written (default true).', default: true },
      ...MEDIA_PARAMETERS,
    },
    result: {
      answer: 'The final answer\'s text (null when a limit ended the loop with `on_limit: fail`).',
      vars: 'The final answer as the step\'s `vars`, when it declares them.',
      stop_reason: 'Why the loop ended: answered, max_turns, max_tool_calls, budget, timeout or cancelled.',
      turns: 'Model calls made.',
      tool_calls: 'Every call, in order: `{id, tool, arguments, result | error, status: ok|error|denied|refused, duration_ms, turn}`.',
      transcript: 'Each turn: `{turn, text, tool_calls (ids), tokens_in, tokens_out, cost_usd, latency_ms, model}`.',
    },
  },
  embed: {
    description: 'Embeds texts with an embedding model (`openai:text-embedding-3-small`, `google:gemini-embedding-001`, `ollama:nomic-embed-text`, ...): one vector per text, in order.',
    usesModel: true,
    parameters: {
      texts: { type: ['array', 'string'], required: true, description: 'The texts to embed: a list of strings, or one string.' },
      model: { type: 'string', description: '`provider:model` for this call (the same as the step\'s `model:`).' },
    },
    result: { vectors: 'One list of numbers per text, in order.', dimensions: 'The length of each vector.' },
  },
});

// every table a pipeline's text is looked up in has no prototype
for (const t of Object.values(TOOL_SPECS)) {
  t.actions = table(t.actions);
  for (const a of Object.values(t.actions)) a.parameters = table(a.parameters);
}
for (const a of Object.values(BUILTIN_ACTIONS)) a.parameters = table(a.parameters);

// ContextLab's names for the same model actions: found by name, but not listed (no duplicates in
// completions, suggestions or the docs)
for (const [alias, of] of [['generate_text', 'generate'], ['generate-text', 'generate'], ['generate-structured', 'generate_structured'], ['analyze', 'analyze_text']] as const)
  Object.defineProperty(BUILTIN_ACTIONS, alias, { value: BUILTIN_ACTIONS[of], enumerable: false });

/** The tools a pipeline may use: the built-in ones, plus any a host registers. */
export type ToolCatalog = Record<string, ToolSpec>;

export function catalogWith(extra?: Record<string, ToolSpec>): ToolCatalog {
  return extra ? table({ ...TOOL_SPECS, ...extra }) : TOOL_SPECS;
}

/** The tools that have an action of this name. */
export function toolsWithAction(catalog: ToolCatalog, action: string): string[] {
  return Object.values(catalog)
    .filter((t) => Object.prototype.hasOwnProperty.call(t.actions, action))
    .map((t) => t.name);
}

export function actionSpec(catalog: ToolCatalog, tool: string | null, action: string): ActionSpec | undefined {
  if (tool) {
    const t = Object.prototype.hasOwnProperty.call(catalog, tool) ? catalog[tool] : undefined;
    return t && Object.prototype.hasOwnProperty.call(t.actions, action) ? t.actions[action] : undefined;
  }
  return Object.prototype.hasOwnProperty.call(BUILTIN_ACTIONS, action) ? BUILTIN_ACTIONS[action] : undefined;
}
