// The review as a check run on the head commit: neutral unless `fail-on` is met, the summary as its output,
// each finding posted inline as an annotation. Needs `checks: write`; without it, one log line and no check.
import { statusOf, type Octokit } from './client.js';

/** The check's name: re-runs find and update it by this. */
export const CHECK_NAME = 'Claude review';
/** GitHub takes at most this many annotations a request. */
export const ANNOTATIONS_PER_REQUEST = 50;
/** GitHub's limit on a check run's output summary, in characters. */
const MAX_SUMMARY_CHARS = 65_535;

export interface CheckAnnotation {
  path: string;
  line: number;
  level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

export interface CheckReport {
  conclusion: 'neutral' | 'failure';
  title: string;
  summary: string;
  annotations: readonly CheckAnnotation[];
}

type Where = { owner: string; repo: string; headSha: string };

/**
 * Creates the check on the head commit, or updates the one an earlier run of this head created, then sends the
 * annotations 50 a request. Returns its id, or undefined (with one log line) when the token may not write checks.
 */
export async function publishCheck(
  octokit: Octokit,
  at: Where,
  report: CheckReport,
  log: (message: string) => void,
): Promise<number | undefined> {
  const batches = chunked(report.annotations.map(wire), ANNOTATIONS_PER_REQUEST);
  const output = (annotations: ReturnType<typeof wire>[]) => ({
    title: report.title,
    summary: report.summary.slice(0, MAX_SUMMARY_CHARS),
    annotations,
  });
  const repo = { owner: at.owner, repo: at.repo };
  try {
    const existing = await octokit.rest.checks.listForRef({ ...repo, ref: at.headSha, check_name: CHECK_NAME });
    const earlier = existing.data.check_runs[0]?.id;
    const fields = { status: 'completed' as const, conclusion: report.conclusion, output: output(batches[0] ?? []) };
    const id =
      earlier === undefined
        ? (await octokit.rest.checks.create({ ...repo, name: CHECK_NAME, head_sha: at.headSha, ...fields })).data.id
        : (await octokit.rest.checks.update({ ...repo, check_run_id: earlier, ...fields })).data.id;
    for (const batch of batches.slice(1)) {
      await octokit.rest.checks.update({ ...repo, check_run_id: id, output: output(batch) });
    }
    return id;
  } catch (error) {
    if (statusOf(error) !== 403) throw error;
    log(`No "${CHECK_NAME}" check: the token may not write checks (add 'checks: write' to the job's permissions)`);
    return undefined;
  }
}

function wire(a: CheckAnnotation) {
  return {
    path: a.path,
    start_line: a.line,
    end_line: a.line,
    annotation_level: a.level,
    title: a.title.slice(0, 255),
    message: a.message.slice(0, 64_000),
  };
}

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
