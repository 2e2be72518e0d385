import { CATEGORIES, SEVERITIES } from '../core/severity.js';
import * as z from 'zod';

export const REVIEW_TOOL_NAME = 'submit_review';

/** One finding as the model reports it through the `submit_review` tool. */
export const rawCommentSchema = z.object({
  path: z.string().min(1).describe('File path exactly as shown in the diff header.'),
  line: z
    .number()
    .int()
    .positive()
    .describe(
      'Line number the comment is about: the new-file number of an added or context line (side RIGHT), or the old-file number of a deleted line (side LEFT).',
    ),
  start_line: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('First line of a multi-line range on the same side and in the same hunk; omit for one line.'),
  side: z
    .enum(['RIGHT', 'LEFT'])
    .optional()
    .describe('RIGHT for added and context lines (the new version), LEFT for deleted lines. Default RIGHT.'),
  quote: z
    .string()
    .optional()
    .describe(
      'The text of the line named by `line`, copied exactly as shown in the diff without its number or +/- marker. Always give it: it places the comment when the number is off.',
    ),
  confidence: z
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .describe(
      'How sure you are that the problem is real, 0 to 100: 90+ when you traced the input that triggers it, 50 when it depends on code you were not shown.',
    ),
  introduced: z
    .boolean()
    .optional()
    .describe(
      'True when this pull request causes the problem (on a changed line, or made reachable by one); false when it was already there.',
    ),
  severity: z.enum(SEVERITIES),
  category: z.enum(CATEGORIES),
  title: z.string().min(1).max(200).describe('One-line statement of the problem.'),
  body: z
    .string()
    .min(1)
    .describe('Why it is a problem, when it happens, and how to fix it. Markdown, a few sentences.'),
  learning: z
    .string()
    .max(10)
    .optional()
    .describe(
      "Only when a rule of the team's learnings (in the system prompt) plainly covers this finding: the rule's id, such as L2. The finding is then set aside, not posted. Omit otherwise.",
    ),
  suggestion: z
    .string()
    .optional()
    .describe(
      'Exact replacement text for lines start_line..line (or line) on the RIGHT side, without diff markers or line numbers. Omit unless the fix is certain and local.',
    ),
});

/** One line of the walkthrough: what changed in one file, written by the review call itself. */
export const walkthroughSchema = z.object({
  path: z.string().min(1).describe('File path exactly as shown in the diff header.'),
  change: z.string().min(1).max(300).describe('What changed in this file, in one short sentence.'),
});

export const reviewSchema = z.object({
  summary: z.string().describe('Two to five sentences: what this part of the change does and its main risks.'),
  walkthrough: z
    .array(walkthroughSchema)
    .optional()
    .describe('One entry for every file of this part: what changed in it, in one short sentence.'),
  comments: z.array(rawCommentSchema).describe('Findings worth a maintainer’s time; an empty list is fine.'),
});

export type WalkthroughEntry = z.infer<typeof walkthroughSchema>;

export type RawComment = z.infer<typeof rawCommentSchema>;
export type ReviewInput = z.infer<typeof reviewSchema>;

/**
 * Fields the tool's schema asks every comment for, though validation accepts a comment without them (a
 * gateway without strict tool use may drop them): such a comment is unscored and counts as introduced.
 */
const ASKED_OF_EVERY_COMMENT = ['confidence', 'introduced'];

/** The JSON schema of the tool input, generated from the same zod schema that validates it. */
export function reviewToolInputSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(reviewSchema, { target: 'draft-7' }) as Record<string, unknown>;
  delete schema.$schema;
  const item = (schema.properties as { comments: { items: { required: string[] } } }).comments.items;
  item.required = [...item.required, ...ASKED_OF_EVERY_COMMENT];
  return schema;
}

export const REVIEW_TOOL_DESCRIPTION =
  'Submit the review of the diff chunk: a short summary and the list of findings, each anchored to a line shown in the diff.';
