export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A gateway that answers with text instead of a tool call: take the JSON object in it, fenced or bare. */
export function jsonInText(text: string): unknown {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text)?.[1];
  if (fenced) {
    const parsed = parseJson(fenced);
    if (parsed !== undefined) return parsed;
  }
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  return start >= 0 && end > start ? parseJson(text.slice(start, end + 1)) : undefined;
}
