/**
 * A finding whose fields have an odd but readable shape is mended, never dropped: models without strict tool
 * use send `confidence: 0.95` or `"high"`, `introduced: "yes"`, `line: "18"`, `severity: "High"`, `learning: 2`
 * or `"L2: do not flag…"`. An optional
 * field that cannot be read is left out (the finding is then unscored, or counted as introduced); a required
 * one is left as sent, for validation to name.
 */

/** Confidence words, as the 0–100 score the schema asks for. */
const CONFIDENCE_WORDS: Record<string, number> = {
  'very high': 95,
  high: 90,
  medium: 60,
  moderate: 60,
  low: 30,
  'very low': 10,
};
const YES = new Set(['yes', 'true', 'y']);
const NO = new Set(['no', 'false', 'n']);

/** A comment as sent, with what was mended (one short note a field). */
export interface Mended {
  entry: unknown;
  mended: string[];
}

export function mendComment(entry: unknown): Mended {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return { entry, mended: [] };
  const out: Record<string, unknown> = { ...(entry as Record<string, unknown>) };
  const mended: string[] = [];
  const mend = (field: string, value: unknown): void => {
    const was = out[field];
    if (was === undefined || value === was) return;
    out[field] = value;
    mended.push(`${field} ${short(was)} → ${value === undefined ? 'left out' : short(value)}`);
  };
  mend('confidence', confidenceOf(out.confidence));
  mend('introduced', flagOf(out.introduced));
  mend('start_line', lineOf(out.start_line, undefined));
  mend('line', lineOf(out.line, out.line));
  mend('side', sideOf(out.side));
  mend('severity', lowerOf(out.severity));
  mend('category', lowerOf(out.category));
  mend('learning', learningOf(out.learning));
  for (const field of ['quote', 'suggestion']) mend(field, typeof out[field] === 'string' ? out[field] : undefined);
  return { entry: Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)), mended };
}

/** 0–100 as a whole number: a fraction of one is scaled, a numeric string or a word read; else none. */
function confidenceOf(value: unknown): number | undefined {
  const raw =
    typeof value === 'string'
      ? (CONFIDENCE_WORDS[value.trim().toLowerCase()] ?? (value.trim() === '' ? NaN : Number(value.replace(/%$/, ''))))
      : value;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0 || raw > 100) return undefined;
  return Math.round(raw > 0 && raw < 1 ? raw * 100 : raw);
}

function flagOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return YES.has(word) ? true : NO.has(word) ? false : undefined;
}

/** A line number given as a numeric string, read; an unreadable optional one left out, a required one kept. */
function lineOf(value: unknown, otherwise: unknown): unknown {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return otherwise;
}

/** The id of the learning a finding cites (`L2`), from `"L2"`, `"L2: do not flag…"` or `2`; else none. */
function learningOf(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return `L${value}`;
  const id = typeof value === 'string' ? /\bL(\d{1,4})\b/i.exec(value)?.[1] : undefined;
  return id ? `L${id}` : undefined;
}

function sideOf(value: unknown): 'RIGHT' | 'LEFT' | undefined {
  const word = typeof value === 'string' ? value.trim().toUpperCase() : '';
  return word === 'RIGHT' || word === 'LEFT' ? word : undefined;
}

function lowerOf(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}
