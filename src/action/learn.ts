import * as core from '@actions/core';
import { plural } from '../core/words.js';
import { appendFile } from 'node:fs/promises';
import { formatUsd } from '../core/usage.js';
import type { Octokit } from '../github/client.js';
import { whoAmI } from '../github/identity.js';
import { learnFromReviews, type LearnReport } from '../learn/learn.js';
import type { LlmClient } from '../llm/client.js';
import { safeInline } from '../safety/markdown.js';
import type { Settings } from '../settings/settings.js';
import type { Out } from './out.js';
import { setOutputs } from './outputs.js';

/** The job summary of a learn run: what was read, the rules proposed and where, what it cost. */
export function learnSummary(report: LearnReport, file: string): string {
  const dismissed = report.outcomes.filter((o) => o.verdict === 'dismissed').length;
  const lines = [
    '## 🤖 Claude review: learn',
    '',
    `Read ${report.pulls} closed pull requests: ${report.outcomes.length} of our findings got a maintainer's signal, ${dismissed} dismissed.`,
  ];
  if (report.nothing) lines.push('', `Nothing proposed: ${safeInline(report.nothing)}.`);
  if (report.rules.length > 0) {
    const where = report.proposal?.url
      ? `proposed in ${report.proposal.url}`
      : `on the branch \`${report.proposal?.branch ?? ''}\` (no pull request could be opened: ${safeInline(report.proposal?.missing ?? '')})`;
    lines.push('', `${plural(report.rules.length, 'new rule')} for \`${file}\`, ${where}:`, '');
    lines.push(
      ...report.rules.map((r) => `- ${safeInline(r.rule)} (up to ${r.upTo}, ${r.evidence.length} dismissals)`),
    );
  }
  if (report.dropped.length > 0)
    lines.push('', `${plural(report.dropped.length, 'rule')} the model recorded did not hold (see the log).`);
  lines.push('', `${plural(report.calls, 'model call')}: ${formatUsd(report.usd)}.`);
  return lines.join('\n');
}

/**
 * Runs the learn mode on the repository: no pull request, one model call at most, a pull request that
 * proposes the rules. The job summary says what was read and proposed.
 */
export async function learn(
  octokit: Octokit,
  repo: { owner: string; repo: string },
  run: { settings: Settings; llm: LlmClient | undefined; out: Out; env: NodeJS.ProcessEnv },
): Promise<void> {
  const { settings, out } = run;
  if (!settings.apiKey && !settings.dryRun) {
    throw new Error(
      "learn: input 'api-key' is empty; expected the gateway's API key from a secret, e.g. api-key: ${{ secrets.ANTHROPIC_API_KEY }} (or dry-run: true to read the signals and estimate the call only)",
    );
  }
  if (!settings.learningsFile)
    throw new Error("learn: input 'learnings-file' is none; expected the file to keep the rules in");
  const us = await whoAmI(octokit, out.info);
  const report = await core.group('Learn from what maintainers dismissed', () =>
    learnFromReviews({ octokit, repo, settings, llm: run.llm, us, log: out.info, now: Date.now() }),
  );
  const summary = learnSummary(report, settings.learningsFile);
  if (run.env.GITHUB_STEP_SUMMARY) await appendFile(run.env.GITHUB_STEP_SUMMARY, `${out.redact(summary)}\n`);
  if (report.proposal?.url) out.info(`learn: ${report.rules.length} rules proposed in ${report.proposal.url}`);
  else if (report.proposal)
    core.warning(
      out.safe(
        `learn: the rules are on the branch ${report.proposal.branch}, but no pull request could be opened: ${report.proposal.missing ?? ''}`,
      ),
    );
  else out.info(`learn: nothing proposed: ${report.nothing ?? ''}`);
  setOutputs(out.redact, undefined, { spend: report });
}
