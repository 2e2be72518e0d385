import type { Question } from '../converse/converse.js';
/** The parts of an issue_comment or pull_request_review_comment payload a conversation needs. */
export interface CommentPayload {
  action?: string;
  issue?: { number?: number; pull_request?: unknown };
  pull_request?: { number?: number };
  comment?: {
    id?: number;
    body?: string | null;
    user?: { login?: string; type?: string } | null;
    author_association?: string;
    in_reply_to_id?: number;
    path?: string;
    line?: number | null;
    side?: string;
  };
}

/** What a comment asks of us. */
export type Ask = { kind: 'review'; number: number } | Question | { kind: 'ignore'; why: string };

export interface AskOptions {
  trigger: string;
  replyInThreads: boolean;
  allowed: readonly string[];
  us: string;
  /** The first comment of a review thread, to know whether the thread is ours. */
  threadRoot?: { id: number; author: string } | undefined;
}

/**
 * Reads a comment event: a command (`/claude review`, `/claude <question>`) on a pull request's conversation,
 * or a reply in a thread one of our inline comments started (no trigger needed). Ignored, with the reason:
 * edited or deleted comments, our own comments and other bots' (no loops), authors outside
 * `allowed-associations`, and comments that ask nothing of us.
 */
export function readAsk(eventName: string, payload: CommentPayload, options: AskOptions): Ask {
  const comment = payload.comment;
  if (payload.action !== 'created' || !comment?.id)
    return { kind: 'ignore', why: `a comment ${payload.action ?? 'event'}, not created` };
  const author = comment.user?.login ?? '';
  if (author.toLowerCase() === options.us.toLowerCase()) return { kind: 'ignore', why: 'our own comment' };
  if (comment.user?.type === 'Bot' || author.endsWith('[bot]'))
    return { kind: 'ignore', why: `a comment by the bot ${author}` };
  const body = (comment.body ?? '').trim();
  const trigger = options.trigger.toLowerCase();
  const triggered = body.toLowerCase().startsWith(trigger) && /^\s|^$/.test(body.slice(trigger.length));
  const number = eventName === 'issue_comment' ? payload.issue?.number : payload.pull_request?.number;
  if (!number || (eventName === 'issue_comment' && !payload.issue?.pull_request)) {
    return { kind: 'ignore', why: 'a comment on an issue, not on a pull request' };
  }
  const root = options.threadRoot;
  const inOurThread =
    eventName === 'pull_request_review_comment' &&
    comment.in_reply_to_id !== undefined &&
    root !== undefined &&
    root.author.toLowerCase() === options.us.toLowerCase();
  if (!triggered && !(inOurThread && options.replyInThreads))
    return { kind: 'ignore', why: 'no trigger, not a reply in our thread' };
  const association = (comment.author_association ?? 'NONE').toUpperCase();
  if (!options.allowed.includes(association)) {
    return { kind: 'ignore', why: `${author} (${association}) is not in allowed-associations` };
  }
  const text = triggered ? body.slice(trigger.length).trim() : body;
  if (triggered && /^review\b/i.test(text) && text.split(/\s+/).length <= 2) return { kind: 'review', number };
  if (!text) return { kind: 'ignore', why: 'the trigger with no question' };
  return {
    kind: 'question',
    number,
    question: text,
    commentId: comment.id,
    ...(eventName === 'pull_request_review_comment' && root
      ? {
          thread: {
            rootId: root.id,
            path: comment.path ?? '',
            line: comment.line ?? undefined,
            side: comment.side === 'LEFT' ? ('LEFT' as const) : ('RIGHT' as const),
          },
        }
      : {}),
  };
}
