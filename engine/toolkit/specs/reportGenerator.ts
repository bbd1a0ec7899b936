// The `report-generator` tool's contract (ContextLab's name, parameters and result fields). Pure
// data: the language server bundles it.
import type { ActionSpec, ParamSpec, ToolSpec } from '../toolSpec';

const parameters: Record<string, ParamSpec> = {
  title: { type: 'string', description: 'The report\'s title, its `#` heading (default `Research Report`; left out when `content` starts with a heading of its own).', default: 'Research Report' },
  query: { type: 'string', description: 'The question the report answers, shown under the title.' },
  context: { type: 'string', description: 'Background, shown under the title.' },
  content: { type: 'string', description: 'The report\'s body, in markdown, placed after the header.' },
  template: { type: 'string', description: 'The same as `content` (ContextLab pipelines give the body as a rendered template).' },
  sections: { type: 'array', description: 'Sections in order: each `{title, content, condition?, level?}`; a `condition` (true/false, or an expression such as `\'a\' in [\'a\']`) that is false leaves the section out; content that is not text is shown as JSON.' },
  data: { type: 'any', description: 'Data for a `## Data` section: a list of records becomes a table, a mapping a two-column table, anything else a JSON block.' },
  findings: { type: 'array', description: 'Key findings: a bulleted `## Key Findings` section.' },
  recommendations: { type: 'array', description: 'Recommendations: a numbered `## Recommendations` section.' },
  search_results: { type: ['object', 'array'], description: 'Search results (`{results: [...]}` as the `web-search` tool returns, or the list): the first 10 as `## Search Results` with their URL, relevance and snippet, and as `## References`.' },
  extraction_results: { type: 'object', description: 'A page\'s extracted content (`{success, url, title, word_count, text}`): a `## Extracted Content Analysis` section with the first 1,000 characters.' },
  quality_score: { type: 'number', description: 'A quality score from 0 to 1, shown under the title.' },
  metadata: { type: 'object', description: 'More lines under the title, `**key:** value` each.' },
  visualization_files: { type: 'array', description: 'Image files (paths) shown in a `## Visualizations` section.' },
  include_visualizations: { type: 'boolean', description: 'Show `visualization_files` (default true).', default: true },
  format: { type: 'string', description: 'The report\'s format: `markdown` (`md`), the only one.', enum: ['markdown', 'md'], default: 'markdown' },
  output_path: { type: 'string', description: 'Also write the report to this file (inside the workspace; its folders are created; an existing file is replaced).' },
};

const result: Record<string, string> = {
  markdown: 'The report, in markdown.',
  word_count: 'Number of words in it.',
  timestamp: 'When it was generated (`YYYY-MM-DD HH:MM:SS`, UTC).',
  title: 'Its title.',
  format: '`markdown`.',
  file_path: 'The file written, as given in `output_path`, or null.',
};

const generate: ActionSpec = {
  description: 'Builds a markdown report from a title, a body, sections, data, findings, recommendations and search results; writes it to `output_path` when given.',
  parameters,
  result,
};

export const reportGeneratorSpec: ToolSpec = {
  name: 'report-generator',
  description: 'Builds structured markdown reports (ContextLab\'s report tool).',
  actions: {
    generate,
    create: { ...generate, description: 'The same as `generate` (the name some ContextLab pipelines use).' },
  },
};
