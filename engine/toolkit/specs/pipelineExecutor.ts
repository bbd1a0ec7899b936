// The `pipeline-executor` tool's contract (ContextLab's name, parameters and result fields). Pure
// data: the language server bundles it.
import type { ToolSpec } from '../toolSpec';

export const pipelineExecutorSpec: ToolSpec = {
  name: 'pipeline-executor',
  description: 'Runs a sub-pipeline, given as a file or as inline YAML, as one step: it is analyzed as a pipeline of its own, runs with its inputs, and returns its outputs.',
  actions: {
    execute: {
      description:
        'Runs a sub-pipeline and returns its outputs. A sub-pipeline that does not compile fails the step with its first error (a ValueError); one that fails is a reported failure, or a result with `success: false` under `error_handling: continue`.',
      parameters: {
        pipeline: {
          type: 'string',
          required: true,
          description:
            'The sub-pipeline: a `.yaml`/`.yml` path (relative to this pipeline\'s folder, then to the working directory), inline YAML text (several lines, or one starting `id:`), or a pipeline id found as `<id>.yaml` there or under `pipelines/` or `examples/`. Inline YAML of several lines is the sub-pipeline\'s own text, as in ContextLab: its templates are its own (not rendered by this pipeline), and the analyzer checks it as a pipeline, with findings at their place in it; pass values to it through `inputs`.',
          inlineDocument: true,
        },
        inputs: { type: 'object', description: 'Its parameters. An inline sub-pipeline takes every input passed, declared or not (as in ContextLab); a file must declare them.' },
        inherit_context: { type: 'boolean', description: 'Parameters the sub-pipeline declares and `inputs` leaves out take this run\'s inputs of the same name (default true).', default: true },
        wait_for_completion: { type: 'boolean', description: 'Accepted for ContextLab; the step always waits, as its result is the sub-pipeline\'s outputs.', default: true },
        timeout: { type: 'number', description: 'Seconds before the sub-pipeline is stopped, with every command it started (default 0: no limit besides the step\'s `timeout`).', default: 0 },
        output_mapping: { type: 'object', description: 'Renames outputs: `{its_output: name_in_outputs}`; when given, only the mapped outputs are returned.' },
        error_handling: { type: 'string', description: '`fail` (default): a failed sub-pipeline fails the step; `continue`: the step succeeds with `success: false` and the error; `retry`: run it again, up to `retry_count` times.', enum: ['fail', 'continue', 'retry'], default: 'fail' },
        retry_count: { type: 'integer', description: 'Attempts in all under `error_handling: retry` (default 3).', default: 3 },
        retry_delay: { type: 'number', description: 'Seconds before the first retry, doubling after each (default 1).', default: 1 },
      },
      result: {
        success: 'Whether the sub-pipeline completed.',
        pipeline_id: 'Its id.',
        outputs: 'Its outputs (renamed by `output_mapping`).',
        status: 'Its status: completed, failed or cancelled.',
        execution_id: 'Its execution id.',
        execution_time: 'Seconds it ran (all attempts).',
        steps_executed: 'How many of its top-level steps ran.',
        recursion_depth: 'How deep it nests: 1 when a top-level pipeline runs it.',
        attempts: 'How many times it ran.',
        error: 'Why it failed, or null.',
        continued: 'true when it failed and `error_handling: continue` let the run go on.',
      },
    },
  },
};
