// The validation tool: JSON Schema (draft-07 or 2020-12, from `$schema`) via ajv.
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import type { ToolDefinition, ToolOutcome } from './runtime';
import { ToolError } from './runtime';
import { TOOL_SPECS } from './specs';

async function run(action: string, p: Record<string, unknown>): Promise<ToolOutcome> {
  if (action !== 'validate') throw new ToolError(`validation has no action '${action}'`, 'ValueError');
  const schema = p.schema;
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) throw new ToolError("'schema' must be a JSON Schema object", 'TypeError');
  const is2020 = String((schema as Record<string, unknown>).$schema ?? '').includes('2020-12');
  const ajv = is2020 ? new Ajv2020({ allErrors: true, strict: false }) : new Ajv({ allErrors: true, strict: false });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (e) {
    throw new ToolError(`Invalid JSON Schema: ${(e as Error).message}`, 'SchemaError');
  }
  const valid = validate(p.data) as boolean;
  const errors = (validate.errors ?? []).map((e) => ({ path: e.instancePath || '/', message: e.message ?? e.keyword }));
  if (valid) return { success: true, result: { valid: true, errors: [] } };
  return { success: false, result: { valid: false, errors }, error: `Data does not match the schema: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}` };
}

export const validationTool: ToolDefinition = { spec: TOOL_SPECS.validation, run };
