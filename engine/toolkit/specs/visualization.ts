// The `visualization` tool's contract (ContextLab's name, actions, parameters and result fields).
// Pure data: the language server bundles it.
import type { ToolSpec } from '../toolSpec';

export const CHART_TYPES = ['bar', 'line', 'scatter', 'histogram', 'pie', 'heatmap'];

export const visualizationSpec: ToolSpec = {
  name: 'visualization',
  description: 'Draws charts from data as SVG files (Vega-Lite, rendered in the run\'s process) and gathers them in an HTML dashboard.',
  actions: {
    create_charts: {
      description: 'Draws one SVG chart per chart type from a table of data, in `output_dir`. A chart type the data cannot make (a pie with no text column) is left out and said why in `skipped`; none drawn is a reported failure.',
      parameters: {
        data: { type: 'any', required: true, description: 'The table: a list of records, a mapping of records (its keys become the `index` column), one record, JSON or CSV text, or the path of a `.json` or `.csv` file in the workspace.' },
        chart_types: { type: 'array', description: 'Chart types, each one of `bar`, `line`, `scatter`, `histogram`, `pie`, `heatmap`, or `auto` (default): the types ContextLab picks for the columns (line with a date column, bar with a text and a number column, scatter with two number columns, histogram with one, pie with a text column of at most 10 values, heatmap of correlations with three number columns).', default: ['auto'] },
        output_dir: { type: 'string', description: 'Folder the charts are written in, inside the workspace (created; default `output/charts`).', default: 'output/charts' },
        title: { type: 'string', description: 'A title above each chart (default: what the chart shows, `value by category`).' },
        x: { type: 'string', description: 'The column along the x axis (default: the first date column for a line, the first text column for a bar or pie, the first number column for a scatter).' },
        y: { type: 'string', description: 'The number column shown (default: the first number column, the second for a scatter).' },
        width: { type: 'integer', description: 'Width of the plot area in pixels (default 400).', default: 400 },
        height: { type: 'integer', description: 'Height of the plot area in pixels (default 300).', default: 300 },
        theme: { type: 'string', description: '`default`, `dark` or `seaborn` (ContextLab\'s default, a grey grid): colours and background.', enum: ['default', 'dark', 'seaborn'], default: 'seaborn' },
        format: { type: 'string', description: 'The files\' format: `svg`. ContextLab draws PNG; a pipeline that asks for `png` gets SVG files, with a note in the result.', enum: ['svg', 'png'], default: 'svg' },
      },
      result: {
        charts: 'Paths of the chart files, in the order of `chart_types` (relative to the run\'s folder when inside it).',
        files: 'The same paths (ContextLab\'s other name).',
        count: 'How many charts were drawn.',
        output_dir: 'The folder, as given.',
        chart_types: 'The chart types asked for (`auto` replaced by the ones chosen).',
        skipped: 'Chart types not drawn: `{type, reason}` each.',
        format: '`svg`.',
        note: 'Present when `png` was asked for: the files are SVG.',
      },
    },
    create_dashboard: {
      description: 'Writes one HTML page showing the charts (their SVG inline, so the page stands alone) under a title, in a grid, a column or a row.',
      parameters: {
        charts: { type: ['array', 'string'], required: true, description: 'The chart files: a `create_charts` step\'s `charts`, or one path.' },
        title: { type: 'string', description: 'The page\'s title (default `Analysis Dashboard`).', default: 'Analysis Dashboard' },
        layout: { type: 'string', description: '`grid` (default), `vertical` or `horizontal`.', enum: ['grid', 'vertical', 'horizontal'], default: 'grid' },
        output_dir: { type: 'string', description: 'Folder the page is written in, inside the workspace (created; default `output`). The file is `dashboard.html`.', default: 'output' },
      },
      result: {
        url: 'Path of the page (relative to the run\'s folder when inside it).',
        dashboard_path: 'The same path.',
        charts_included: 'How many charts it shows.',
        layout: 'The layout.',
      },
    },
  },
};
