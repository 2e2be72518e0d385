import type { Finding } from '../findings/findings.js';
import { atLeast, mostSevereFirst, type Severity } from '../core/severity.js';
import type { Listed } from './render.js';

/** What our earlier comments on this pull request already say. */
export interface Earlier {
  /** Fingerprints carried by our earlier comments. */
  fingerprints: ReadonlySet<string>;
  /** `path:side:line` of our earlier inline comments that still sit on a line of the head. */
  lines: ReadonlySet<string>;
}

export const NOTHING_EARLIER: Earlier = { fingerprints: new Set(), lines: new Set() };

export const lineKey = (path: string, side: string, line: number): string => `${path}:${side}:${line}`;

export interface NoiseControl {
  minSeverity: Severity;
  maxComments: number;
}

/** Where each finding of a run goes. */
export interface Decision {
  /** Comments of the review, on diff lines. */
  inline: Finding[];
  /** Comments on a file of the PR whose line the diff does not show. */
  fileLevel: Finding[];
  /** Findings shown in the summary only, with the reason. */
  listed: Listed[];
  /** Findings an earlier run already posted. */
  alreadyPosted: Finding[];
}

/** A finding off the diff is worth a file-level comment at this severity or above; below, the summary lists it. */
const FILE_COMMENT_MIN: Severity = 'medium';

/**
 * Decides what goes where, most severe first: a finding already posted (same fingerprint, or one of our
 * comments on its line) is not posted again; below `min-severity`, or off any file of the diff, it is listed
 * in the summary; the first `max-comments` of the rest become comments (inline on a diff line, file-level
 * when only the file is in the diff and it matters enough), and the overflow is listed. Nothing is dropped.
 */
export function decide(findings: readonly Finding[], earlier: Earlier, noise: NoiseControl): Decision {
  const decision: Decision = { inline: [], fileLevel: [], listed: [], alreadyPosted: [] };
  const ordered = mostSevereFirst(findings);
  for (const f of ordered) {
    const onOurLine = f.anchor === 'line' && earlier.lines.has(lineKey(f.path, f.side, f.line));
    if (earlier.fingerprints.has(f.fingerprint) || onOurLine) {
      decision.alreadyPosted.push(f);
    } else if (!atLeast(f.severity, noise.minSeverity)) {
      decision.listed.push({ finding: f, reason: `below min-severity ${noise.minSeverity}` });
    } else if (f.anchor === 'none' || (f.anchor === 'file' && !atLeast(f.severity, FILE_COMMENT_MIN))) {
      decision.listed.push({ finding: f, reason: f.note ?? 'not on a line of the diff' });
    } else if (decision.inline.length + decision.fileLevel.length >= noise.maxComments) {
      decision.listed.push({ finding: f, reason: `over max-comments ${noise.maxComments}` });
    } else if (f.anchor === 'line') {
      decision.inline.push(f);
    } else {
      decision.fileLevel.push(f);
    }
  }
  return decision;
}

/** The most severe finding at or above `failOn`, if any. */
export function failing(findings: readonly Finding[], failOn: Severity | undefined): Finding | undefined {
  if (failOn === undefined) return undefined;
  return mostSevereFirst(findings).find((f) => atLeast(f.severity, failOn));
}
