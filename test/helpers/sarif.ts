// The official SARIF 2.1.0 schema (shipped in @microsoft/jest-sarif), to validate what we write.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const schema = JSON.parse(
  readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
) as object;
// The schema is draft-04, and one of its patterns is not valid with the unicode flag ajv sets by default.
// ajv-draft-04 is CommonJS: under NodeNext its class is the default export's `default`.
const Ajv = (
  AjvDraft04 as unknown as { default: new (options: object) => { compile: (s: object) => ValidateFunction } }
).default;
// ajv-formats checks the schema's `uri` and `date-time` formats (ajv alone only warns that it ignores them).
const addFormats = (addFormatsModule as unknown as { default: (ajv: object) => void }).default;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** The SARIF log's problems against the official schema, as readable lines (empty when valid). */
export function sarifProblems(log: unknown): string[] {
  return validate(log) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
