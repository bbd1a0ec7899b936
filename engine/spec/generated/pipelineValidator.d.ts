// Types of the generated standalone validator (scripts/generateValidator.mjs).
import type { ValidateFunction } from 'ajv';
declare const validate: ValidateFunction;
export = validate;
