// The `web-search` tool's contract (ContextLab's name, parameters and result fields). Pure data:
// the language server bundles it.
import type { ToolSpec } from '../toolSpec';

export const webSearchSpec: ToolSpec = {
  name: 'web-search',
  description:
    'Searches the web through a configured backend (SearXNG, Brave Search or Tavily) and returns the results as a list of `{title, url, snippet, ...}`.',
  actions: {
    search: {
      description: 'Runs one web search and returns its results, best first.',
      parameters: {
        query: { type: 'string', required: true, description: 'What to search for.' },
        max_results: { type: 'integer', description: 'Most results to return, 1 to 100 (default 10; Brave and Tavily give at most 20).', default: 10 },
        backend: {
          type: 'string',
          description:
            'Backend to use: `searxng`, `brave` or `tavily` (default `ORC_SEARCH_BACKEND`, else the first one configured). ContextLab\'s `duckduckgo`, `bing`, `google` and `auto` mean the default.',
          enum: ['searxng', 'brave', 'tavily', 'auto', 'duckduckgo', 'bing', 'google'],
        },
        region: { type: 'string', description: 'Region and language of the results, as `us-en` or `en-US` (SearXNG and Brave).' },
        safesearch: { type: 'string', description: 'Adult-content filter: off, moderate or strict (SearXNG and Brave; default the backend\'s).', enum: ['off', 'moderate', 'strict'] },
        time_range: { type: 'string', description: 'Only results from the last day, week, month or year.', enum: ['day', 'week', 'month', 'year'] },
        filter_duplicates: { type: 'boolean', description: 'Drop results whose URL repeats an earlier one (default true).', default: true },
        quality_threshold: { type: 'number', description: 'Drop results whose relevance (0 to 1) is below this (default 0: keep all).', default: 0 },
        timeout: { type: 'number', description: 'Seconds before a request to the backend is given up (default 30; the step\'s `timeout` also applies).', default: 30 },
      },
      result: {
        query: 'The query as searched.',
        results: 'List of `{title, url, snippet, source, relevance, date, rank}`, best first.',
        total_results: 'Number of results returned.',
        search_time: 'Seconds the search took.',
        backend: 'The backend that answered: `searxng`, `brave` or `tavily`.',
        timestamp: 'When the search ran (ISO 8601).',
      },
    },
  },
};
