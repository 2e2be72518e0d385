import { plural } from '../core/words.js';
import * as core from '@actions/core';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { PullRequest } from '../core/pull-request.js';
import { VERSION } from '../core/version.js';
import { explainGitHubError, type Octokit } from '../github/client.js';
import { CHECK_NAME, publishCheck, type CheckAnnotation, type CheckReport } from '../github/checks.js';
import type { Finding } from '../findings/findings.js';
import { cleanText } from '../safety/clean.js';
import type { Redact } from '../safety/redact.js';
import type { Publisher } from '../pipeline/review.js';
import type { ReviewResult } from '../pipeline/stages.js';
import { dryRun, publish, type EarlierSummary, type Published } from '../publish/publish.js';
import { costTable } from '../publish/cost.js';
import { planReport } from '../publish/plan-report.js';
import { toSarif } from '../publish/sarif.js';
import type { Settings } from '../settings/settings.js';
import { setOutputs } from './outputs.js';
import type { Out } from './out.js';

/** Where a review on GitHub goes, and what it knows of earlier runs. */
export interface GitHubTarget {
  octokit: Octokit;
  /** The pull request as fetched (a push's review still posts on all of it). */
  pr: PullRequest;
  /** Our login: only comments by it count as ours. */
  us: string;
  /** What this run reviewed, one line for the summary. */
  scope: string;
  earlier: EarlierSummary;
  env: NodeJS.ProcessEnv;
}

/** The action's publisher: log groups, annotations, the review and summary comment, job summary and outputs. */
export function githubPublisher(target: GitHubTarget, out: Out): Publisher {
  return {
    info: out.info,
    warn: out.warn,
    notice: (message) => {
      core.notice(out.safe(message));
    },
    stage: (name, work) => core.group(name, work),
    plan: (plan, estimate, settings) => {
      const rounds = settings.context === 'explore' ? settings.maxToolCalls : undefined;
      core.info(out.redact(planReport(plan, estimate, settings.model, settings.maxCostUsd, rounds)));
    },
    planOnly: (plan) => {
      core.notice('dry-run without api-key: the plan and the estimated cost are in the log; no model was called.');
      setOutputs(out.redact, undefined, { plan });
      return Promise.resolve();
    },
    publish: async (result, settings) => {
      const published = settings.dryRun
        ? dryRun(settings, result, out.redact)
        : await core.group('Post the review', () => post(target, out, result, settings));
      await finish(result, published, settings, target.env, out);
    },
  };
}

async function post(target: GitHubTarget, out: Out, result: ReviewResult, settings: Settings): Promise<Published> {
  const ctx = { ...target, settings, redact: out.redact, log: out.info, warn: out.warn };
  const published = await publish(ctx, result).catch((error: unknown) => {
    throw explainGitHubError(error, 'post the summary comment');
  });
  const report = checkReport(result, published, out.redact);
  await publishCheck(target.octokit, target.pr, report, out.info).catch((error: unknown) => {
    out.warn(`Could not publish the "${CHECK_NAME}" check: ${explainGitHubError(error, 'publish the check').message}`);
  });
  return published;
}

/**
 * The check run of a review: neutral unless fail-on was met, the summary (already made safe), the inline findings
 * as annotations. An annotation is plain text, but the model wrote it: control and bidi characters removed, and
 * any secret redacted, as in every text we write.
 */
export function checkReport(result: ReviewResult, published: Published, redact: Redact): CheckReport {
  const level = (f: Finding): CheckAnnotation['level'] =>
    f.severity === 'critical' || f.severity === 'high' ? 'failure' : f.severity === 'medium' ? 'warning' : 'notice';
  const text = (value: string): string => redact(cleanText(value.trim()));
  const annotations = published.posted
    .filter((f) => f.anchor === 'line' && f.side === 'RIGHT')
    .map((f) => ({ path: f.path, line: f.line, level: level(f), title: text(f.title), message: text(f.body) }));
  const n = result.findings.length;
  return {
    conclusion: published.failing ? 'failure' : 'neutral',
    title: n === 0 ? 'No findings' : `${plural(n, 'finding')}${published.failing ? ', fail-on reached' : ''}`,
    summary: published.summary,
    annotations,
  };
}

/** Job summary, outputs, and the step's verdict: failed parts, and `fail-on`, after everything is posted. */
async function finish(
  result: ReviewResult,
  published: Published,
  settings: Settings,
  env: NodeJS.ProcessEnv,
  out: Out,
): Promise<void> {
  // Appended directly rather than through core.summary, which keeps the first file path it saw.
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, `${published.summary}\n`);
  core.info(costTable(result, settings.model));
  const sarifFile = await writeSarif(result, settings, env, out);
  setOutputs(out.redact, result, {
    sarifFile,
    reviewId: published.reviewId,
    summaryCommentId: published.summaryCommentId,
    posted: published.posted.length,
  });
  verdict(result, published, out);
}

/** The SARIF file `sarif-file` asks for; its path, or '' when none is asked. */
async function writeSarif(result: ReviewResult, settings: Settings, env: NodeJS.ProcessEnv, out: Out): Promise<string> {
  if (!settings.sarifFile) return '';
  const file = resolve(env.GITHUB_WORKSPACE ?? process.cwd(), settings.sarifFile);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, out.redact(`${JSON.stringify(toSarif(result.findings, VERSION), null, 2)}\n`));
  out.info(`SARIF with ${result.findings.length} result(s) written to ${file}`);
  return file;
}

/** Fails the step when no part could be reviewed or a finding reached `fail-on`; warns of failed parts. */
function verdict(result: ReviewResult, published: Published, out: Out): void {
  const failed = result.outcomes.filter((o) => o.status !== 'ok');
  if (failed.length === result.outcomes.length && failed.length > 0) {
    throw new Error(`no part of the pull request could be reviewed: ${failed[0]?.error ?? 'unknown error'}`);
  }
  if (failed.length > 0)
    out.warn(`${failed.length} of ${result.outcomes.length} parts were not reviewed; the summary lists them.`);
  if (published.failing) {
    const f = published.failing;
    throw new Error(
      `a ${f.severity} finding reached fail-on: ${f.path}:${f.line} ${f.title.replace(/\s+/g, ' ').slice(0, 200)}`,
    );
  }
}
