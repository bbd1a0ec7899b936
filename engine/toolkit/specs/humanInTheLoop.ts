// The human-in-the-loop tools' contract (ContextLab's user-prompt, approval-gate and
// feedback-collection): pure data, the language server bundles it.
import type { ParamSpec, ToolSpec } from '../toolSpec';

const context: ParamSpec = { type: 'string', description: "ContextLab's execution context (`cli`, `gui` or `api`): accepted and recorded; where the question goes is the host's choice (the terminal, the editor).", default: 'cli', enum: ['cli', 'gui', 'api'] };

export const userPromptSpec: ToolSpec = {
  name: 'user-prompt',
  description: 'Asks the person running the pipeline for a value (text, number, yes/no or one of a list).',
  actions: {
    execute: {
      description: 'Asks one question and returns the answer, checked against its type, choices and pattern; a bad answer at a terminal or in the editor is asked again.',
      parameters: {
        prompt: { type: 'string', required: true, description: 'The question.' },
        input_type: { type: 'string', description: 'text, number, boolean or choice (default text).', default: 'text', enum: ['text', 'number', 'boolean', 'choice'] },
        default: { type: 'any', description: 'The answer taken on an empty answer, on `timeout`, with `--yes`, and when no one can answer (CI, `--json`).' },
        choices: { type: ['array', 'string'], description: 'The answers a `choice` takes: a list, or text holding a JSON list or comma-separated values.' },
        timeout: { type: 'number', description: 'Seconds to wait for the answer (0: no limit); then the `default`, else a TimeoutError.', default: 0 },
        context,
        validation_pattern: { type: 'string', description: 'A regular expression the answer must match from its start.' },
        retry_on_invalid: { type: 'boolean', description: 'Ask again after a bad answer (default true).', default: true },
        max_retries: { type: 'integer', description: 'How many times a bad answer is asked again (default 3).', default: 3 },
      },
      result: {
        value: 'The answer: a string, a number (`number`) or true/false (`boolean`).',
        answered_by: '`user`, `command_line` (`-i STEP_ID=VALUE`), `default`, `timeout` (the default after `timeout`) or `yes` (the default with `--yes`).',
        used_default: 'Whether the value is the `default`.',
        skipped: 'Whether no one answered (the default was taken without asking).',
        response_time: 'Seconds from the question to the answer.',
        retries: 'How many bad answers were asked again.',
        context: 'The `context` parameter.',
      },
    },
  },
};

export const approvalGateSpec: ToolSpec = {
  name: 'approval-gate',
  description: 'Shows content to the person running the pipeline and asks them to approve, reject or modify it.',
  actions: {
    execute: {
      description: 'Asks for approval of `content`. A rejection completes the step with `approved: false` (as in ContextLab): gate later steps with `condition: "{{ step.approved }}"`.',
      parameters: {
        title: { type: 'string', required: true, description: 'What is to be approved.' },
        content: { type: 'any', required: true, description: 'The content to review (data is shown as JSON).' },
        format: { type: 'string', description: 'text, json or markdown: how the content is shown (default text).', default: 'text', enum: ['text', 'json', 'markdown'] },
        allow_modifications: { type: 'boolean', description: 'Offer `modify`: the person edits the content, which approves it (default true).', default: true },
        require_reason: { type: 'boolean', description: 'A rejection needs a reason (default true).', default: true },
        context,
        auto_approve_hash: { type: 'string', description: 'Approve without asking when the SHA-256 of the content (hex) is this.' },
        metadata: { type: 'object', description: 'Data recorded with the decision.' },
      },
      result: {
        approved: 'true when approved or modified, false when rejected.',
        action: '`approve`, `reject`, `modify` or `auto_approved`.',
        answered_by: '`user`, `command_line` (`-i STEP_ID=...`), `yes` (`--yes`) or `hash` (`auto_approve_hash`).',
        auto_approved: 'Whether `auto_approve_hash` approved it.',
        content_hash: 'SHA-256 of the content, hex.',
        timestamp: 'When it was decided (ISO 8601).',
        modified_content: 'The edited content (present only after `modify`).',
        modified_hash: 'SHA-256 of the edited content (present only after `modify`).',
        rejection_reason: 'Why it was rejected (present only when rejected with a reason).',
        metadata: 'The `metadata` parameter, or an empty mapping.',
      },
    },
  },
};

export const feedbackCollectionSpec: ToolSpec = {
  name: 'feedback-collection',
  description: 'Asks the person running the pipeline a short form of questions (ratings, choices, yes/no, text).',
  actions: {
    execute: {
      description: 'Asks each question in turn; an optional question may be left empty, a required one is asked again.',
      parameters: {
        title: { type: 'string', required: true, description: "The form's title." },
        questions: { type: 'array', required: true, description: 'The questions: each `{id, text, type}` with type `rating` (1 to `scale`, default 5), `choice` (`choices`: a list), `boolean` or `text`.' },
        anonymous: { type: 'boolean', description: 'Leave the user name out of the saved feedback (default false).', default: false },
        required_questions: { type: 'array', description: 'Ids of the questions that need an answer.', default: [] },
        context,
        save_to_file: { type: 'string', description: 'Append the feedback as one JSON line to this file (inside the workspace).' },
      },
      result: {
        responses: 'Mapping of question id to answer (unanswered optional questions are left out).',
        response_count: 'How many questions were answered.',
        completion_rate: 'Percentage of the questions answered.',
        summary: '`{rating_average, boolean_summary, choice_summary}`: the ratings\' mean (null when none), the yes/no and choice answers by id.',
        feedback_id: 'The time the form was completed (ISO 8601).',
        saved_to_file: 'Whether the feedback was appended to `save_to_file`.',
        answered_by: '`user` or `command_line` (`-i STEP_ID=\'{"id": answer}\'`), or `yes` (`--yes` with no required question).',
      },
    },
  },
};
