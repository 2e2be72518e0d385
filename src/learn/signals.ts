import { explainGitHubError, statusOf, type Octokit } from '../github/client.js';
import { SEVERITIES, type Severity } from '../core/severity.js';
import { fingerprintOf, signedFingerprintOf, withoutFingerprint } from '../publish/render.js';
import { listThreads, type ReviewThread } from '../publish/threads.js';
import { sealFor } from '../source/state.js';

/** What a maintainer did about one of our comments. */
export type Signal =
  | { kind: 'reaction'; content: string; by: string }
  /** `says`: the reply dismisses the finding, accepts it, or neither (a question, a discussion). */
  | { kind: 'reply'; text: string; by: string; says: 'dismissed' | 'accepted' | undefined }
  /** The thread was resolved; `changed`: a later commit changed its lines (GitHub marks it outdated). */
  | { kind: 'resolved'; changed: boolean }
  /** The pull request merged with the thread still open and its lines unchanged. */
  | { kind: 'open-at-merge' };

/** One of our findings on a closed pull request, with what maintainers did about it. */
export interface Outcome {
  pr: number;
  url: string;
  path: string;
  severity: Severity;
  category: string;
  title: string;
  /** The comment's text, cut: what the finding said. */
  text: string;
  signals: Signal[];
  /** What the signals add up to (see verdictOf). */
  verdict: Verdict;
}

/**
 * What maintainers' signals add up to: `dismissed` and `accepted` are evidence; `ignored` (left open at merge,
 * or only discussed) is shown to the learn call but is no evidence for a rule.
 */
export type Verdict = 'dismissed' | 'accepted' | 'ignored';

/** Replies that say a finding was wrong or not worth fixing. */
const DISMISSIVE =
  /\b(false positive|won'?t fix|not an? (issue|bug|problem)|not applicable|by design|intended|intentional|ignore (this|it)|nitpick|noise|not relevant|doesn'?t apply)\b/i;
/** Replies that say a finding was right. */
const ACCEPTING = /\b(good catch|nice catch|fixed|will fix|done|thanks|thank you|agreed|good point)\b/i;
const DOWN = new Set(['-1', 'confused']);
const UP = new Set(['+1', 'heart', 'hooray', 'rocket']);
/** Characters of a comment's text and of a reply kept for the learn call. */
const TEXT_CHARS = 600;
const REPLY_CHARS = 300;
/** Closed pull requests read at most, newest first. */
export const MAX_PULLS = 200;

/**
 * What the signals say: dismissed (a 👎 or a dismissive reply, and nothing approving; else a thread resolved
 * with its lines unchanged), accepted (a 👍, an approving reply, or the lines changed after it), ignored (left
 * open at merge, or only discussed), or undefined (no signal of anyone who counts).
 */
export function verdictOf(signals: readonly Signal[]): Verdict | undefined {
  const said = (kind: 'dismissed' | 'accepted', reactions: ReadonlySet<string>): boolean =>
    signals.some((s) => (s.kind === 'reaction' && reactions.has(s.content)) || (s.kind === 'reply' && s.says === kind));
  const down = said('dismissed', DOWN);
  const up = said('accepted', UP) || signals.some((s) => s.kind === 'resolved' && s.changed);
  if (down && !up) return 'dismissed';
  if (up) return 'accepted';
  if (signals.some((s) => s.kind === 'resolved' && !s.changed)) return 'dismissed';
  return signals.length > 0 ? 'ignored' : undefined;
}

/** Whether a login has write access to the repository (write, maintain or admin), asked once a login. */
export function writeAccess(
  octokit: Octokit,
  repo: { owner: string; repo: string },
): (login: string) => Promise<boolean> {
  const known = new Map<string, Promise<boolean>>();
  const ask = async (username: string): Promise<boolean> => {
    try {
      const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username });
      return data.permission === 'admin' || data.permission === 'write' || data.permission === 'maintain';
    } catch (error) {
      // Not a collaborator. A 403 is the token's own want of access: no signal could count, so it stops the run.
      if (statusOf(error) === 404) return false;
      throw explainGitHubError(error, `read the permission of ${username} (to count only people with write access)`);
    }
  };
  return (login) => {
    const key = login.toLowerCase();
    const found = known.get(key) ?? ask(login);
    known.set(key, found);
    return found;
  };
}

const HEADING = /^\S+ \*\*(\w+)\*\* · (\w+) — \*\*(.*)\*\*$/;

/** Severity, category and title from our comment's heading line. */
function headingOf(body: string): { severity: Severity; category: string; title: string } | undefined {
  const match = HEADING.exec(body.split('\n')[0] ?? '');
  const severity = SEVERITIES.find((s) => s === match?.[1]?.toLowerCase());
  return match && severity ? { severity, category: match[2] ?? '', title: match[3] ?? '' } : undefined;
}

interface ReviewComment {
  id: number;
  body: string;
  path: string;
  html_url: string;
  in_reply_to_id?: number;
  user: { login: string } | null;
  reactions?: { total_count: number };
}

export interface PullFacts {
  owner: string;
  repo: string;
  number: number;
  merged: boolean;
}

/** The signals on one of our comments: its reactions, replies and thread, counting only people with write access. */
async function signalsOf(
  octokit: Octokit,
  ours: ReviewComment,
  thread: { replies: ReviewComment[]; thread: ReviewThread | undefined; pull: PullFacts },
  can: { write: (login: string) => Promise<boolean>; us: string },
): Promise<Signal[]> {
  const signals: Signal[] = [];
  if ((ours.reactions?.total_count ?? 0) > 0) {
    const reactions = await octokit.paginate(octokit.rest.reactions.listForPullRequestReviewComment, {
      owner: thread.pull.owner,
      repo: thread.pull.repo,
      comment_id: ours.id,
      per_page: 100,
    });
    for (const r of reactions) {
      const by = r.user?.login ?? '';
      if (by && by !== can.us && (await can.write(by))) signals.push({ kind: 'reaction', content: r.content, by });
    }
  }
  for (const reply of thread.replies) {
    const by = reply.user?.login ?? '';
    if (!by || by === can.us || !(await can.write(by))) continue;
    const text = reply.body.trim().slice(0, REPLY_CHARS);
    const says = DISMISSIVE.test(text) ? 'dismissed' : ACCEPTING.test(text) ? 'accepted' : undefined;
    signals.push({ kind: 'reply', text, by, says });
  }
  const t = thread.thread;
  if (t?.isResolved) signals.push({ kind: 'resolved', changed: t.isOutdated });
  else if (t && !t.isOutdated && thread.pull.merged) signals.push({ kind: 'open-at-merge' });
  return signals;
}

/**
 * What maintainers did about our findings on one closed pull request: our comments (by our login, their
 * fingerprint marker sealed with our secret for this PR) with a verdict. A PR without such comments costs
 * one request.
 */
export async function outcomesOf(
  octokit: Octokit,
  pull: PullFacts,
  can: { write: (login: string) => Promise<boolean>; us: string; secret: string },
): Promise<Outcome[]> {
  const comments = (await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: pull.owner,
    repo: pull.repo,
    pull_number: pull.number,
    per_page: 100,
  })) as ReviewComment[];
  const seal = sealFor(can.secret, pull);
  const ours = comments.filter(
    (c) => c.user?.login === can.us && c.in_reply_to_id === undefined && signedFingerprintOf(c.body, seal),
  );
  if (ours.length === 0) return [];
  const threads = await listThreads(octokit, pull);
  const threadOf = (fp: string | undefined): ReviewThread | undefined =>
    threads.find((t) => fp !== undefined && fingerprintOf(t.comments.nodes[0]?.body ?? '') === fp);
  const outcomes: Outcome[] = [];
  for (const c of ours) {
    const heading = headingOf(c.body);
    if (!heading) continue;
    const replies = comments.filter((r) => r.in_reply_to_id === c.id);
    const signals = await signalsOf(octokit, c, { replies, thread: threadOf(fingerprintOf(c.body)), pull }, can);
    const verdict = verdictOf(signals);
    if (!verdict) continue;
    const text = withoutFingerprint(c.body).split('\n').slice(1).join('\n').trim().slice(0, TEXT_CHARS);
    outcomes.push({ pr: pull.number, url: c.html_url, path: c.path, ...heading, text, signals, verdict });
  }
  return outcomes;
}
