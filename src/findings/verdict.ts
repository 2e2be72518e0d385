import * as z from 'zod';
import { cleanInput } from '../safety/clean.js';
import { parseJson } from '../core/json.js';
import type { RawComment } from './schema.js';
import type { ToolDefinition } from '../llm/request.js';

export const VERIFY_TOOL_NAME = 'submit_verdicts';

/** One verdict of the second look, as the model reports it through `submit_verdicts`. */
export const rawVerdictSchema = z.object({
  finding: z.number().int().min(1).describe('The number of the finding in <candidate_findings>.'),
  real: z
    .boolean()
    .describe('True when the problem is real and happens as the finding says; false when the code shown prevents it.'),
  confidence: z
    .number()
    .int()
    .min(0)
    .max(100)
    .describe(
      'How sure you are that the finding is real, 0 to 100, after reading the line and the code it depends on.',
    ),
  path: z
    .string()
    .min(1)
    .optional()
    .describe("The path of the line you checked, when it is not the finding's own file."),
  line: z.number().int().positive().describe('The number of the line you checked, as shown before its marker.'),
  quote: z.string().describe('The text of that line, copied exactly as shown after its number and marker.'),
  reason: z.string().min(1).max(600).describe('One sentence: what the checked line does that decides it.'),
});

export const verdictsSchema = z.object({
  verdicts: z.array(rawVerdictSchema).describe('One verdict for every candidate finding, by its number.'),
});

export type RawVerdict = z.infer<typeof rawVerdictSchema>;

/** What the second look said of one finding, with the line it cited. */
export interface Verdict {
  real: boolean;
  confidence: number;
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

/**
 * The verdicts of a `submit_verdicts` call, by finding index (0-based). A verdict counts only when it names a
 * candidate and cites a line shown to it with that line's text (`cited`; the finding's file unless it names
 * another path); the first for a finding wins.
 * Anything else is left out: its finding stays unverified.
 */
export function parseVerdicts(
  toolInput: unknown,
  findings: readonly { path: string }[],
  cited: (path: string, line: number, quote: string) => boolean,
): Map<number, Verdict> {
  const verdicts = new Map<number, Verdict>();
  if (toolInput === null || typeof toolInput !== 'object') return verdicts;
  let list = (cleanInput(toolInput) as { verdicts?: unknown }).verdicts;
  if (typeof list === 'string') list = parseJson(list);
  if (!Array.isArray(list)) return verdicts;
  for (const entry of list as unknown[]) {
    const parsed = rawVerdictSchema.safeParse(entry);
    if (!parsed.success) continue;
    const v = parsed.data;
    const index = v.finding - 1;
    const path = v.path ?? findings[index]?.path;
    if (path === undefined || verdicts.has(index) || !cited(path, v.line, v.quote)) continue;
    verdicts.set(index, {
      real: v.real,
      confidence: v.real ? v.confidence : Math.min(v.confidence, 100 - v.confidence),
      path,
      line: v.line,
      reason: v.reason,
    });
  }
  return verdicts;
}
