import type { ReviewDepth } from '../settings/settings.js';

/**
 * The looks a part gets (`review-depth`): one general look (`quick`), or three independent looks that share
 * the part's cached prompt and each hunt for one family of defects (`standard`, and `deep` with explore tools).
 * Measured on real pull requests, one look is one angle: each family finds what the others talk themselves out of.
 */
export interface Pass {
  /** Its name in logs, the plan and the summary. */
  name: 'general' | 'logic' | 'contracts' | 'safety';
  /** What it hunts for; undefined for the general look, whose rules are the system prompt's. */
  focus?: string;
}

const OTHERS =
  'The other looks at this part hunt for the other families at the same time, so report a problem outside this family only when it is critical; within it, report every concrete defect you can show from the code, at any severity, the low ones last.';

export const GENERAL_PASS: Pass = { name: 'general' };

export const FOCUSED_PASSES: readonly Pass[] = [
  {
    name: 'logic',
    focus: `This look hunts for one family of defects: logic and values. Read each changed line for a wrong or inverted condition, an off-by-one, a wrong variable, constant, default or unit, a value that can be null, empty, negative or of another type where the code assumes it cannot, an early return or break that skips work, and wrong text: a wrong translation in a locale file, a message that names the wrong cause, a log at the wrong level.`,
  },
  {
    name: 'contracts',
    focus: `This look hunts for one family of defects: contracts across files. For each function, method, type, field, return value or serialised shape the diff changes, check its callers and implementations in the diff and the code context: a caller that still uses the old signature or meaning, a new abstract or interface method that an existing implementation lacks, a return type or nullability the callers do not handle, a function made async whose caller does not await it, a format that stored data or another service still sends the old way, a test that should have changed with the behaviour.`,
  },
  {
    name: 'safety',
    focus: `This look hunts for one family of defects: safety under load and attack. Follow data across trust boundaries (requests, users, files, environment) into queries, shells, paths, templates, redirects and deserialisers; check authentication and authorization on every new path, secrets in code and logs, concurrency (races, shared state, check-then-act), resource lifetimes (a handle, lock, connection, timer or listener not released on every path) and error handling (an error swallowed, a failure reported as success, a retry without a bound).`,
  },
];

/** The looks of one part at a depth, the first of which writes the summary and the walkthrough. */
export function passesFor(depth: ReviewDepth): readonly Pass[] {
  return depth === 'quick' ? [GENERAL_PASS] : FOCUSED_PASSES;
}

/** The last instruction of a look's request: its family, and the tool to answer with. */
export function passInstruction(pass: Pass, first: boolean, tool: string, force: boolean): string {
  const finish = force
    ? `Call ${tool} once with your review of this part.`
    : `Finish by calling ${tool} once with your review of this part; an answer in text is not read.`;
  if (!pass.focus) return finish;
  const notes = first
    ? ''
    : ' Leave walkthrough empty and keep the summary to one sentence: the first look writes them.';
  return `${pass.focus} ${OTHERS}${notes}\n\n${finish}`;
}
