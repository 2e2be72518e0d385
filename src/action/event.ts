/** The parts of a webhook payload this action reads. */
export interface EventPayload {
  pull_request?: {
    number: number;
    draft?: boolean;
    author_association?: string;
    user?: { login?: string } | null;
    labels?: { name?: string }[];
    head?: { repo?: { full_name?: string } | null };
    base?: { repo?: { full_name?: string } };
  };
  inputs?: Record<string, unknown>;
  repository?: { full_name?: string };
}

const PR_EVENTS = ['pull_request', 'pull_request_target'];

/**
 * The pull request number to review: from a pull_request(_target) payload, else `pr-number` (also read from
 * a workflow_dispatch input of that name). Throws a message that says how to fix the workflow.
 */
export function resolvePrNumber(eventName: string, payload: EventPayload, prNumber: number | undefined): number {
  if (prNumber !== undefined) return prNumber;
  if (PR_EVENTS.includes(eventName) && payload.pull_request?.number) return payload.pull_request.number;
  const dispatched = payload.inputs?.['pr-number'] ?? payload.inputs?.['pr_number'];
  if (
    eventName === 'workflow_dispatch' &&
    (typeof dispatched === 'string' || typeof dispatched === 'number') &&
    /^[1-9]\d*$/.test(String(dispatched))
  ) {
    return Number(dispatched);
  }
  throw new Error(
    `no pull request to review for event '${eventName}': run on 'pull_request' or 'pull_request_target', or set input 'pr-number' (e.g. pr-number: \${{ inputs.pr-number }} on workflow_dispatch)`,
  );
}

/** True for a `pull_request` event whose head lives in a fork: such runs get no secrets. */
export function isForkPullRequestEvent(eventName: string, payload: EventPayload): boolean {
  if (eventName !== 'pull_request' || !payload.pull_request) return false;
  const head = payload.pull_request.head?.repo?.full_name;
  const base = payload.pull_request.base?.repo?.full_name ?? payload.repository?.full_name;
  return head !== undefined && base !== undefined && head !== base;
}

/** Why a pull request's author may not have it reviewed, or undefined when the review may go ahead. */
export function authorGate(
  payload: EventPayload,
  allowed: readonly string[],
  label: string,
): { author: string; association: string } | undefined {
  const pr = payload.pull_request;
  if (!pr) return undefined; // workflow_dispatch: a maintainer started it
  const association = (pr.author_association ?? 'NONE').toUpperCase();
  if (allowed.includes(association)) return undefined;
  if (label && (pr.labels ?? []).some((l) => l.name?.toLowerCase() === label.toLowerCase())) return undefined;
  return { author: pr.user?.login ?? 'unknown', association };
}
