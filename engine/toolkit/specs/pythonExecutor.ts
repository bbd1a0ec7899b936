// The python-executor tool's contract (ContextLab's name and parameters). Pure data: the language
// server bundles it.
import type { ToolSpec } from '../toolSpec';

export const pythonExecutorSpec: ToolSpec = {
  name: 'python-executor',
  description: 'Runs Python code with `python3` in a subprocess: a working folder inside the workspace, no network unless allowed, a timeout that kills every process the code started.',
  actions: {
    execute: {
      description: 'Runs Python code and captures its output. A non-zero exit is a reported failure.',
      parameters: {
        code: { type: 'string', required: true, description: 'The Python source to run.' },
        timeout: { type: 'number', description: 'Seconds before the code and every process it started are killed (default 30; the step\'s `timeout` also applies).', default: 30 },
        working_dir: { type: 'string', description: 'Folder the code runs in, inside the workspace (default: a fresh folder under `.orchestrator/python/`).' },
        allow_network: { type: 'boolean', description: 'Let the code use the network (default false: it runs in a network namespace of its own where the platform allows it).', default: false },
        capture_output: { type: 'boolean', description: 'Keep stdout and stderr in the result (default true; the output is streamed either way).', default: true },
        env: { type: 'object', description: 'Environment variables added to the run\'s.' },
        pass_env: { type: 'array', description: 'Names of the model providers\' keys withheld by default that this code gets (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`, `GEMINI_API_KEY`, `GOOGLE_API_KEY`).' },
      },
      result: {
        stdout: 'Standard output (capped at 1 MiB characters).',
        stderr: 'Standard error (capped at 1 MiB characters).',
        return_code: 'Exit code of the Python process.',
        exit_code: 'The same exit code (the terminal tool\'s name for it).',
        success: 'true when the code exited with 0.',
        execution_time: 'Seconds the code ran.',
        working_dir: 'The folder the code ran in (relative to the run\'s working directory when inside it).',
        network_isolated: 'true when the code ran without network access.',
        truncated: 'true when stdout or stderr was cut at the cap.',
      },
    },
  },
};
