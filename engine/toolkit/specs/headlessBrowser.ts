// The headless-browser tool's contract (ContextLab's name, actions and result fields). Pure data:
// the language server bundles it.
import type { ParamSpec, ToolSpec } from '../toolSpec';

const url: ParamSpec = { type: 'string', required: true, description: 'The page: an http(s) URL, or a file:// URL or path of a file inside the workspace.' };
const timeout: ParamSpec = { type: 'number', description: 'Seconds for loading the page and each operation on it (default 30; a value above 1000 is taken as milliseconds).', default: 30 };

const scrapeResult = {
  url: 'The URL as given.',
  status_code: 'HTTP status of the page.',
  content_type: 'Its Content-Type.',
  title: 'The page\'s title.',
  description: 'Its meta description (or og:description), or empty.',
  text: 'The visible text of the rendered page, one line per block (capped at 1,000,000 characters).',
  content: 'The same text (ContextLab\'s name for it in `scrape_js`).',
  links: 'List of `{url, text, title}` of its links, absolute (at most 1000).',
  images: 'List of `{url, alt, title}` of its images (at most 1000).',
  word_count: 'Number of words of the text.',
  truncated: 'true when the text or a list was cut at its cap.',
};

export const headlessBrowserSpec: ToolSpec = {
  name: 'headless-browser',
  description: 'Loads pages in the system\'s Chromium (headless): their rendered text, title and links, reachability, screenshots.',
  actions: {
    scrape: {
      description: 'Loads a page, runs its scripts, and returns its title, text, links and images. An HTTP error status is a reported failure.',
      parameters: { url, timeout },
      result: scrapeResult,
    },
    scrape_js: {
      description: 'The same as `scrape` (ContextLab\'s name for scraping with scripts run; `scrape` runs them too).',
      parameters: { url, timeout },
      result: scrapeResult,
    },
    verify: {
      description: 'Tells whether a page loads: its status and headers; a page that does not load is `accessible: false`, not a failure.',
      parameters: { url, timeout },
      result: {
        url: 'The URL as given.',
        accessible: 'true when the page loaded with a status below 400.',
        status_code: 'HTTP status, or null when nothing answered.',
        content_type: 'Its Content-Type, or empty.',
        content_length: 'Its Content-Length header, or null.',
        last_modified: 'Its Last-Modified header, or empty.',
        title: 'The page\'s title, or empty.',
        error: 'Why it is not accessible, or null.',
      },
    },
    screenshot: {
      description: 'Loads a page and writes a PNG screenshot of it to a file inside the workspace.',
      parameters: {
        url,
        path: { type: 'string', required: true, description: 'The PNG file to write, inside the workspace (its folders are created).' },
        full_page: { type: 'boolean', description: 'The whole scrollable page instead of the window (default false).', default: false },
        width: { type: 'integer', description: 'Window width in pixels (default 1280).', default: 1280 },
        height: { type: 'integer', description: 'Window height in pixels (default 800).', default: 800 },
        timeout,
      },
      result: {
        url: 'The URL as given.',
        path: 'The file as given.',
        title: 'The page\'s title.',
        width: 'Width of the image in pixels.',
        height: 'Height of the image in pixels.',
        file_size: 'Size of the file in bytes.',
      },
    },
  },
};
