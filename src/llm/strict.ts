/** Keywords strict tool use refuses (Anthropic's structured outputs): our zod schema still checks them on our side. */
const REFUSED_KEYWORDS = new Set([
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'pattern',
  'format',
]);

/**
 * A JSON schema reduced to what strict tool use accepts: `additionalProperties: false` on every object, and no
 * length, range, pattern or format keywords. Pure: the same schema gives the same bytes, so the cached prefix
 * holds across calls.
 */
export function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (REFUSED_KEYWORDS.has(key)) continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, sub]) => [name, strictSchema(sub)]),
      );
    } else if (key === 'enum' || key === 'required' || key === 'description') {
      out[key] = value;
    } else {
      out[key] = strictSchema(value);
    }
  }
  if (out.type === 'object') out.additionalProperties = false;
  return out;
}
