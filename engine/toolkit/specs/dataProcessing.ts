// The `data-processing` tool's contract (ContextLab's name, actions, parameters and result fields).
// Pure data: the language server bundles it.
import type { ParamSpec, ToolSpec } from '../toolSpec';

const FORMATS = ['json', 'csv', 'yaml'];

/** How every action but merge takes its data. */
const input: Record<string, ParamSpec> = {
  data: { type: 'any', description: 'The data: a list of records or other data, JSON/CSV/YAML text, or the path of a `.json`, `.csv`, `.yaml` file inside the workspace; a whole earlier data-processing result is read as its `processed_data`.' },
  input_data: { type: 'any', description: 'The same as `data` (ContextLab\'s other name for it).' },
  format: { type: 'string', description: 'Format of text data, and of the output when `output_format` is absent: json, csv or yaml (default json; JSON text that looks like CSV is read as CSV).', enum: FORMATS, default: 'json' },
  input_format: { type: 'string', description: 'Format of text data (wins over `format`).', enum: FORMATS },
};
const outputFormat: ParamSpec = { type: 'string', description: 'Format of `processed_data`: json, csv or yaml (see the action).', enum: FORMATS };
const operation = (what: string): ParamSpec => ({ type: 'object', description: what });
const columns = (what: string): ParamSpec => ({ type: ['array', 'string'], description: what });

export const dataProcessingSpec: ToolSpec = {
  name: 'data-processing',
  description: 'Converts, filters, aggregates, transforms, profiles, pivots, cleans and merges tabular data (ContextLab\'s data tool). Every action returns `processed_data`.',
  actions: {
    convert: {
      description: 'Reads data and writes it as text in `output_format` (else `format`, else json).',
      parameters: { ...input, output_format: outputFormat },
      result: { success: 'true.', action: '`convert`.', processed_data: 'The data as text in the target format.', target_format: 'json, csv or yaml.', original_type: 'What the data was once read: list, dict, str, int, float, bool or none.' },
    },
    filter: {
      description: 'Keeps the records whose fields equal every value in `operation.criteria`. The result is the list, or CSV/YAML text when `output_format` (else `input_format`, else `format`) says csv/yaml.',
      parameters: { ...input, output_format: outputFormat, operation: operation('`{criteria: {field: value, ...}}`: a record is kept when each field equals its value.') },
      result: { success: 'true.', action: '`filter`.', processed_data: 'The kept records (CSV text when the format is csv).', criteria: 'The criteria applied.', original_count: 'Records before.', filtered_count: 'Records kept.' },
    },
    aggregate: {
      description: 'Counts and sums, averages, ... columns, overall or per group. Functions: sum, avg (mean, average), count, count_distinct, min, max, median.',
      parameters: {
        ...input,
        output_format: outputFormat,
        group_by: columns('Columns to group by; without it the whole data is one group, and `processed_data` is `{count, aggregations}`.'),
        aggregations: operation('`{name: {column, function}}`, or `{column: function}` (the result is then named `column_function` without `group_by`).'),
        operation: operation('ContextLab\'s older form: `{group_by, aggregations}`.'),
      },
      result: { success: 'true.', action: '`aggregate`.', processed_data: 'One record per group (CSV text with `output_format: csv`), or `{count, aggregations}` without `group_by`.', row_count: 'Number of groups (1 without `group_by`).' },
    },
    transform: {
      description:
        'Applies operations in order: filter (`field`+`value`, or a `condition` such as `status != \'cancelled\'`), rename_fields (`mapping`), add_field (`field`, `value`), deduplicate (`columns`, `keep: first|last`), cast (`columns: {col: integer|float|string|boolean|datetime}`), fill_missing (`strategy: {col: value}`), calculate (`expressions: {col: expression}`: an expression over the record\'s fields such as `quantity * unit_price`, or `DATE_FORMAT(col, \'%Y-%m\')`), normalize (`method: min-max|z-score`, `columns`), sort (`by`, `reverse`), select (`columns`), aggregate (`operation: sum|avg|min|max|count`, `field`). The result is JSON text unless `output_format` says csv or yaml.',
      parameters: { ...input, output_format: outputFormat, operations: { type: 'array', description: 'The operations, each `{type, ...}`.' }, operation: operation('`{transformations: [...]}` or `{operations: [...]}`, or one operation `{type, ...}`.') },
      result: { success: 'true.', action: '`transform`.', processed_data: 'The result as text (JSON unless `output_format` says otherwise).', transformations: 'The operations applied.', row_count: 'Number of records, or null when the result is not a list.' },
    },
    profile: {
      description: 'Profiles each column: missing values, data type, min/max/mean/median/std_dev, outliers (IQR), distinct values; and duplicate rows.',
      parameters: { ...input, profiling_options: { type: 'array', description: 'Any of missing_values, data_types, statistical_summary, outlier_detection, duplicate_detection (default all).' } },
      result: { success: 'true.', action: '`profile`.', processed_data: '`{row_count, column_count, columns: {name: {...}}, duplicate_rows, duplicate_percentage}`.' },
    },
    pivot: {
      description: 'A pivot table: one row per `index` value, one column per `columns` value (per value field when there are several), cells aggregated by `aggfunc`.',
      parameters: {
        ...input,
        output_format: outputFormat,
        index: columns('Row columns (required).'),
        columns: columns('Columns whose values become columns.'),
        values: columns('Value columns (required).'),
        aggfunc: { type: 'string', description: 'sum, mean, count, min or max (default sum).', enum: ['sum', 'mean', 'count', 'min', 'max'], default: 'sum' },
        fill_value: { type: 'any', description: 'Cell value where a combination has no data (default 0).', default: 0 },
      },
      result: { success: 'true.', action: '`pivot`.', processed_data: 'The rows (CSV text with `output_format: csv`).', row_count: 'Number of rows.' },
    },
    clean: {
      description: 'Removes duplicate records, handles missing values (null or empty), and removes outliers (outside 1.5 IQR of a numeric column).',
      parameters: {
        ...input,
        output_format: outputFormat,
        remove_duplicates: { type: 'boolean', description: 'Remove repeated records (default true).', default: true },
        handle_missing: { type: 'string', description: 'drop (records with a missing value), forward_fill, backward_fill, interpolate, mean (numeric columns), or none (default drop).', enum: ['drop', 'forward_fill', 'backward_fill', 'interpolate', 'mean', 'none'], default: 'drop' },
        remove_outliers: { type: 'boolean', description: 'Remove records with an outlier in a numeric column (default false).', default: false },
      },
      result: { success: 'true.', action: '`clean`.', processed_data: 'The cleaned records (CSV text when the format is csv).', original_shape: '`{rows, columns}` before.', cleaned_shape: '`{rows, columns}` after.', rows_removed: 'How many records were removed.' },
    },
    merge: {
      description: 'Merges datasets: combine (stack them, with a `_source` column naming each), concat (stack them) or join (on `join_on`, or record by record).',
      parameters: {
        datasets: { type: 'array', required: true, description: 'The datasets, each `{name, data}` (data: records, a record, a mapping of columns to lists, or JSON/CSV text).' },
        merge_strategy: { type: 'string', description: 'combine, concat or join (default combine).', enum: ['combine', 'concat', 'join'], default: 'combine' },
        join_on: { type: 'string', description: 'Column to join on (join).' },
        join_type: { type: 'string', description: 'inner, outer, left or right (default inner); columns both sides have besides `join_on` get `_x` and `_y`.', enum: ['inner', 'outer', 'left', 'right'], default: 'inner' },
      },
      result: { success: 'true.', action: '`merge`.', processed_data: 'The merged records; each has every column (null where it had none).', datasets_merged: 'How many datasets.', total_rows: 'Number of records.', total_columns: 'Number of columns.', columns: 'The columns.' },
    },
  },
};
