/** Shorter values are not redacted: they would match ordinary text ("true", a port number). */
const MIN_SECRET_CHARS = 8;

/** Replaces each secret, and its URL- and JSON-escaped forms, with `***`. */
export type Redact = (text: string) => string;

/**
 * A redactor for the secrets of one run (the API key, the GitHub token, and every other value masked with
 * core.setSecret). It is applied to every text the action writes: comments, the summary, the job summary,
 * outputs and log lines, so a gateway error that echoes the key, or a model that quotes it, publishes nothing.
 */
export function redactor(secrets: readonly string[]): Redact {
  const forms = new Set<string>();
  for (const secret of secrets) {
    const value = secret.trim();
    if (value.length < MIN_SECRET_CHARS) continue;
    forms.add(value);
    forms.add(encodeURIComponent(value));
    forms.add(JSON.stringify(value).slice(1, -1));
  }
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const form of ordered) out = out.split(form).join('***');
    return out;
  };
}
