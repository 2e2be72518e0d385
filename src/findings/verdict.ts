import * as z from 'zod';
import { cleanInput } from '../safety/clean.js';
import { parseJson } from '../core/json.js';
import type { RawComment } from './schema.js';
import type { ToolDefinition } from '../llm/request.js';

export const VERIFY_TOOL_NAME = 'submit_verdicts';

export const VERDICTS = ['confirmed', 'refuted', 'unsure'] as const;
export type VerdictKind = (typeof VERDICTS)[number];

/** One verdict of the second look, as the model reports it through `submit_verdicts`. */
export const rawVerdictSchema = z.object({
  finding: z.number().int().min(1).describe('The number of the finding in <candidate_findings>.'),
  verdict: z
    .enum(VERDICTS)
    .describe(
      'confirmed: the code shown makes the problem happen as described; refuted: a line shown prevents it (cite that line); unsure: the code shown neither proves nor disproves it.',
    ),
  confidence: z
    .number()
    .int()
    .min(0)
    .max(100)
    .describe('How sure you are that the finding is real, 0 to 100, after reading the code shown.'),
  path: z.string().min(1).optional().describe("The path of the line you cite, when it is not the finding's own file."),
  line: z
    .number()
    .int()
    .positive()
    .describe('The number of the line you checked (for refuted: the line that prevents the problem), as shown.'),
  quote: z.string().describe('The text of that line, copied exactly as shown after its number and marker.'),
  reason: z.string().min(1).max(600).describe('One sentence: what the cited line does that decides it.'),
  same_as: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe("When this finding is the same problem as another candidate: that finding's number."),
});

export const verdictsSchema = z.object({
  verdicts: z.array(rawVerdictSchema).describe('One verdict for every candidate finding, by its number.'),
});

export type RawVerdict = z.infer<typeof rawVerdictSchema>;

/** What the second look said of one finding, with the line it cited. */
export interface Verdict {
  kind: VerdictKind;
  /** How sure the second look is that the finding is real. */
  confidence: number;
  /** The line it cited: for a refutation, a line shown to it whose code prevents the problem. */
  path: string;
  line: number;
  reason: string;
}

/** A comment of a part's review, with the second look's verdict when one was given. */
export type CheckedComment = RawComment & { verdict?: Verdict };

/** The JSON schema of the verify tool's input, from the zod schema that validates it. */
export function verdictsInputSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(verdictsSchema, { target: 'draft-7' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

export const VERIFY_TOOL_DESCRIPTION =
  'Submit the second look at the candidate findings: for each, whether it is real, how sure you are, and the line you checked.';

/** The tool the second look answers with; offered in every request, so all calls share one cached prefix. */
export function verifyTool(): ToolDefinition {
  return {
    name: VERIFY_TOOL_NAME,
    description: VERIFY_TOOL_DESCRIPTION,
    inputSchema: verdictsInputSchema(),
    final: true,
  };
}

/** A verdict in the older `real: boolean` form (a gateway or model that answers it) read as today's. */
function upgraded(entry: unknown): unknown {
  if (entry === null || typeof entry !== 'object') return entry;
  const e = entry as Record<string, unknown>;
  if (e.verdict !== undefined || typeof e.real !== 'boolean') return entry;
  return { ...e, verdict: e.real ? 'confirmed' : 'refuted' };
}

/** The verdicts of a call and the duplicates it named, by finding index (0-based). */
export interface ParsedVerdicts {
  verdicts: Map<number, Verdict>;
  /** Finding index → the index of the candidate it repeats. */
  sameAs: Map<number, number>;
}

/**
 * The verdicts of a `submit_verdicts` call, by finding index (0-based); the first for a finding wins. Only a
 * contradiction removes a finding: a refutation counts only when it cites a line shown to the second look with
 * that line's text (`cited`; the finding's file unless it names another path), else it is read as unsure.
 * Entries that do not validate are left out: their findings stay as the review wrote them.
 */
export function parseVerdicts(
  toolInput: unknown,
  findings: readonly { path: string; line: number }[],
  cited: (path: string, line: number, quote: string, finding: { path: string; line: number }) => boolean,
): ParsedVerdicts {
  const verdicts = new Map<number, Verdict>();
  const sameAs = new Map<number, number>();
  if (toolInput === null || typeof toolInput !== 'object') return { verdicts, sameAs };
  let list = (cleanInput(toolInput) as { verdicts?: unknown }).verdicts;
  if (typeof list === 'string') list = parseJson(list);
  if (!Array.isArray(list)) return { verdicts, sameAs };
  for (const entry of list as unknown[]) {
    const parsed = rawVerdictSchema.safeParse(upgraded(entry));
    if (!parsed.success) continue;
    const v = parsed.data;
    const index = v.finding - 1;
    const finding = findings[index];
    if (!finding || verdicts.has(index)) continue;
    const path = v.path ?? finding.path;
    const shown = cited(path, v.line, v.quote, finding);
    const kind: VerdictKind = v.verdict === 'refuted' && !shown ? 'unsure' : v.verdict;
    verdicts.set(index, {
      kind,
      confidence: kind === 'refuted' ? Math.min(v.confidence, 100 - v.confidence) : v.confidence,
      path: shown ? path : finding.path,
      line: shown ? v.line : finding.line,
      reason: kind === v.verdict ? v.reason : `${v.reason} (the refutation cited no line it was shown)`,
    });
    const other = (v.same_as ?? 0) - 1;
    if (other !== index && findings[other]) sameAs.set(index, other);
  }
  return { verdicts, sameAs };
}
