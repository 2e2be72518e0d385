import type { Question } from '../converse/converse.js';
import type { Settings } from '../settings/settings.js';
import { readAsk, type CommentPayload } from './comment.js';
import { authorGate, isForkPullRequestEvent, resolvePrNumber, type EventPayload } from './event.js';

/** The event a run was started by: its name (GITHUB_EVENT_NAME) and its payload. */
export interface RunEvent {
  name: string;
  payload: EventPayload & CommentPayload;
}

/** What GitHub told us before a comment event can be decided: who we are, and the thread replied in. */
export interface CommentFacts {
  us: string;
  /** The first comment of the review thread a reply is in. */
  threadRoot?: { id: number; author: string } | undefined;
}

/** What a run does. */
export type Mode =
  | {
      kind: 'skip';
      /** Shown as a notice (the run was meant to review and did not), or as a log line (nothing was asked). */
      show: 'notice' | 'log';
      why: string;
    }
  | {
      kind: 'review';
      number: number;
      /** By hand (workflow_dispatch, or `/claude review`): the whole pull request, even at a reviewed head. */
      byHand: boolean;
    }
  | { kind: 'answer'; question: Question }
  /** The learn mode (a `schedule` event, or `learn: true`): no pull request. */
  | { kind: 'learn' };

/** Comment events: questions and review requests, answered in place (see comment.ts). */
export const COMMENT_EVENTS: readonly string[] = ['issue_comment', 'pull_request_review_comment'];

export const isCommentEvent = (event: RunEvent): boolean => COMMENT_EVENTS.includes(event.name);

const FORK_NOTICE =
  "This pull request comes from a fork, and GitHub gives 'pull_request' runs from forks no secrets, so there is no API key and nothing was reviewed. " +
  "To review fork PRs, trigger on 'pull_request_target': it is safe with this action, which reads the diff through the API and never runs the PR's code.";

type ModeSettings = Pick<
  Settings,
  'apiKey' | 'allowedAssociations' | 'reviewLabel' | 'trigger' | 'replyInThreads' | 'prNumber' | 'learn'
>;

/**
 * What this run does, from the event, the settings and (comment events only) what GitHub said of us and the
 * thread. Every gate is here, in the order it applies: the learn mode (a schedule, or `learn` on an event
 * without a pull request, such as workflow_dispatch); a fork's `pull_request` without a key; a comment that
 * asks nothing of us, or by someone outside `allowed-associations`; a pull request author outside them (unless
 * labelled `review-label`); a draft. Throws when no pull request can be named.
 */
export function decideMode(event: RunEvent, settings: ModeSettings, facts?: CommentFacts): Mode {
  if (event.name === 'schedule' || (settings.learn && !isCommentEvent(event) && !event.payload.pull_request)) {
    return { kind: 'learn' };
  }
  if (!settings.apiKey && isForkPullRequestEvent(event.name, event.payload)) {
    return { kind: 'skip', show: 'notice', why: FORK_NOTICE };
  }
  if (isCommentEvent(event)) return commentMode(event, settings, facts);
  const gated = authorGate(event.payload, settings.allowedAssociations, settings.reviewLabel);
  if (gated) {
    const label = settings.reviewLabel
      ? `; a maintainer can add the label '${settings.reviewLabel}' to have this pull request reviewed`
      : '';
    const why = `Not reviewed: the author ${gated.author} (${gated.association}) is not in allowed-associations (${settings.allowedAssociations.join(', ')})${label}. No model was called.`;
    return { kind: 'skip', show: 'notice', why };
  }
  const number = resolvePrNumber(event.name, event.payload, settings.prNumber);
  if (event.payload.pull_request?.draft) {
    const why = `Pull request #${number} is a draft; it will be reviewed when it is marked ready for review.`;
    return { kind: 'skip', show: 'notice', why };
  }
  return { kind: 'review', number, byHand: event.name === 'workflow_dispatch' };
}

/** A comment event: a question, a review asked for, or nothing for us. The gate is the commenter's association. */
function commentMode(event: RunEvent, settings: ModeSettings, facts: CommentFacts | undefined): Mode {
  if (!facts) throw new Error(`a ${event.name} event is decided with our login and the thread it is in`);
  const ask = readAsk(event.name, event.payload, {
    trigger: settings.trigger,
    replyInThreads: settings.replyInThreads,
    allowed: settings.allowedAssociations,
    us: facts.us,
    threadRoot: facts.threadRoot,
  });
  if (ask.kind === 'ignore')
    return { kind: 'skip', show: 'log', why: `Nothing to do: ${ask.why}. No model was called.` };
  if (ask.kind === 'review') return { kind: 'review', number: ask.number, byHand: true };
  return { kind: 'answer', question: ask };
}
