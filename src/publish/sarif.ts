import { cleanText, wellFormed } from '../safety/clean.js';
import { createHash } from 'node:crypto';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import { normalTitle, type Finding } from '../findings/findings.js';
import { CATEGORIES, type Category, type Severity } from '../core/severity.js';

export const TOOL_NAME = 'Claude PR Reviewer';
const INFORMATION_URI = 'https://github.com/claude-pr-reviewer/claude-pr-reviewer';

const LEVEL: Record<Severity, Result.level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning ranks security results by this score (0 to 10) on the rule. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

const RULE_TEXT: Record<Category, string> = {
  security: 'A security weakness introduced or exposed by the change',
  bug: 'A correctness bug in the change',
  performance: 'A performance problem in the change',
  maintainability: 'Code that will be hard to change safely',
  style: 'A style problem that hides a bug or breaks a stated convention',
  tests: 'Missing or wrong tests for the change',
};

/**
 * SARIF's partial fingerprint (not the comment fingerprint of findings.ts, which includes the side and the code
 * line): one that survives moved lines and reworded bodies: path, category and the normalised title.
 * Code scanning uses it to match a result with the same one of an earlier run.
 */
export function partialFingerprint(f: Finding): string {
  const title = normalTitle(f.title);
  return createHash('sha256').update(`${f.path}\0${f.category}\0${title}`).digest('hex').slice(0, 32);
}

function rule(category: Category): ReportingDescriptor {
  return {
    id: `claude-review/${category}`,
    name: category.charAt(0).toUpperCase() + category.slice(1),
    shortDescription: { text: RULE_TEXT[category] },
    defaultConfiguration: { level: category === 'security' || category === 'bug' ? 'error' : 'warning' },
    properties: { tags: [category, 'ai-review'], ...(category === 'security' ? { 'security-severity': '7.0' } : {}) },
  };
}

function result(f: Finding): Result {
  const onHead = f.side === 'RIGHT';
  const region = onHead ? { startLine: f.start_line ?? f.line, endLine: f.line } : undefined;
  const where = onHead ? '' : ` (line ${f.line} of the old version, deleted by the change)`;
  return {
    ruleId: `claude-review/${f.category}`,
    ruleIndex: CATEGORIES.indexOf(f.category),
    level: LEVEL[f.severity],
    message: { text: cleanText(`${f.title.trim()}${where}\n\n${f.body.trim()}`) },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeURI(wellFormed(f.path)), uriBaseId: '%SRCROOT%' },
          ...(region ? { region } : {}),
        },
      },
    ],
    partialFingerprints: { 'claudeReview/v1': partialFingerprint(f) },
    properties: {
      severity: f.severity,
      ...(f.category === 'security' ? { 'security-severity': SECURITY_SEVERITY[f.severity] } : {}),
    },
  };
}

/**
 * The findings as a SARIF 2.1.0 log that github/codeql-action/upload-sarif accepts: one rule per category,
 * levels from severity, regions with line ranges on the head version, fingerprints stable across runs.
 */
export function toSarif(findings: readonly Finding[], version: string, notReviewed?: string): Log {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version, informationUri: INFORMATION_URI, rules: CATEGORIES.map(rule) } },
        // A run that reviewed nothing says so: an empty run alone would read as a clean review.
        ...(notReviewed
          ? {
              invocations: [
                {
                  executionSuccessful: false,
                  toolExecutionNotifications: [{ level: 'error' as const, message: { text: notReviewed } }],
                },
              ],
            }
          : {}),
        results: findings.map(result),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
}
