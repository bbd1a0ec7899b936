// The pdf-compiler tool's contract (ContextLab's name, parameters and result fields). Pure data: the
// language server bundles it.
import type { ToolSpec } from '../toolSpec';

export const pdfCompilerSpec: ToolSpec = {
  name: 'pdf-compiler',
  description: 'Compiles Markdown to a PDF file inside the workspace, rendered by the system\'s Chromium (no LaTeX, no pandoc).',
  actions: {
    compile: {
      description: 'Converts Markdown to HTML (all its text escaped) and prints it to a PDF file.',
      parameters: {
        markdown_content: { type: 'string', required: true, description: 'The Markdown: headings, paragraphs, emphasis, code, lists, quotes, tables, links and images (local images inside the workspace are embedded; remote ones show their alt text).' },
        output_path: { type: 'string', required: true, description: 'The PDF file to write, inside the workspace (its folders are created).' },
        title: { type: 'string', description: 'Title shown at the top of the first page and stored as the PDF\'s title (default: none shown; the first heading is the PDF\'s title).' },
        author: { type: 'string', description: 'Author shown under the title.' },
        page_size: { type: 'string', description: 'Paper size (default A4).', default: 'A4', enum: ['A4', 'A3', 'A5', 'Letter', 'Legal'] },
        install_if_missing: { type: 'boolean', description: 'Accepted for ContextLab\'s pipelines; nothing is installed: a missing browser is an error that says how to install one.', default: true },
      },
      result: {
        output_path: 'The file as given.',
        file_size: 'Size of the PDF in bytes.',
        message: 'A sentence naming the file written.',
      },
    },
  },
};
