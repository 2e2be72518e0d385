import { describe, expect, it } from 'vitest';
import { decideMode, type CommentFacts, type Mode, type RunEvent } from '../../src/action/modes.js';
import { parseSettings } from '../../src/settings/settings.js';

const KEY = { 'api-key': 'sk-test' };
const settings = (inputs: Record<string, string> = {}) => parseSettings({ ...KEY, ...inputs });

const pullRequest = (extra: Record<string, unknown> = {}): RunEvent['payload'] => ({
  pull_request: {
    number: 7,
    draft: false,
    author_association: 'MEMBER',
    user: { login: 'alice' },
    head: { repo: { full_name: 'o/r' } },
    base: { repo: { full_name: 'o/r' } },
    ...extra,
  },
  repository: { full_name: 'o/r' },
});

const comment = (body: string, extra: Record<string, unknown> = {}): RunEvent['payload'] => ({
  action: 'created',
  issue: { number: 7, pull_request: {} },
  comment: { id: 99, body, user: { login: 'bob', type: 'User' }, author_association: 'MEMBER', ...extra },
  repository: { full_name: 'o/r' },
});

const US: CommentFacts = { us: 'github-actions[bot]' };

/** What a row expects: the mode's fields, and a pattern its reason matches. */
interface Expected {
  kind: Mode['kind'];
  show?: 'notice' | 'log';
  number?: number;
  byHand?: boolean;
  why?: RegExp;
}

/** Each row: the event, the inputs, what GitHub said (comment events), and the mode expected. */
const ROWS: [string, RunEvent, Record<string, string>, CommentFacts | undefined, Expected][] = [
  ['a schedule learns', { name: 'schedule', payload: {} }, {}, undefined, { kind: 'learn' }],
  [
    'a run by hand with learn: true learns',
    { name: 'workflow_dispatch', payload: {} },
    { learn: 'true' },
    undefined,
    { kind: 'learn' },
  ],
  [
    'a pull request event reviews, whatever learn says',
    { name: 'pull_request', payload: pullRequest() },
    { learn: 'true' },
    undefined,
    { kind: 'review', number: 7 },
  ],
  [
    'a question is answered, whatever learn says',
    { name: 'issue_comment', payload: comment('/claude why?') },
    { learn: 'true' },
    US,
    { kind: 'answer' },
  ],
  [
    'a pull_request by a member is reviewed',
    { name: 'pull_request', payload: pullRequest() },
    {},
    undefined,
    { kind: 'review', number: 7, byHand: false },
  ],
  [
    'pull_request_target is reviewed',
    { name: 'pull_request_target', payload: pullRequest() },
    {},
    undefined,
    { kind: 'review', number: 7 },
  ],
  [
    'workflow_dispatch with pr-number is a review by hand',
    { name: 'workflow_dispatch', payload: { inputs: {} } },
    { 'pr-number': '12' },
    undefined,
    { kind: 'review', number: 12, byHand: true },
  ],
  [
    "a fork's pull_request without a key is skipped with a notice",
    { name: 'pull_request', payload: pullRequest({ head: { repo: { full_name: 'fork/r' } } }) },
    { 'api-key': '' },
    undefined,
    { kind: 'skip', show: 'notice', why: /fork/ },
  ],
  [
    "a fork's pull_request with a key (pull_request_target's) is reviewed",
    { name: 'pull_request', payload: pullRequest({ head: { repo: { full_name: 'fork/r' } } }) },
    {},
    undefined,
    { kind: 'review' },
  ],
  [
    'an author outside allowed-associations is skipped',
    { name: 'pull_request', payload: pullRequest({ author_association: 'NONE' }) },
    {},
    undefined,
    { kind: 'skip', show: 'notice', why: /alice \(NONE\)/ },
  ],
  [
    'an outside author with review-label is reviewed',
    { name: 'pull_request', payload: pullRequest({ author_association: 'NONE', labels: [{ name: 'AI-Review' }] }) },
    { 'review-label': 'ai-review' },
    undefined,
    { kind: 'review' },
  ],
  [
    'a draft is skipped until ready',
    { name: 'pull_request', payload: pullRequest({ draft: true }) },
    {},
    undefined,
    { kind: 'skip', show: 'notice', why: /draft/ },
  ],
  [
    'a comment with the trigger and a question is answered',
    { name: 'issue_comment', payload: comment('/claude why this?') },
    {},
    US,
    { kind: 'answer' },
  ],
  [
    '"/claude review" is a review by hand',
    { name: 'issue_comment', payload: comment('/claude review') },
    {},
    US,
    { kind: 'review', number: 7, byHand: true },
  ],
  [
    'a comment without the trigger is nothing to do (a log line)',
    { name: 'issue_comment', payload: comment('looks good') },
    {},
    US,
    { kind: 'skip', show: 'log', why: /no trigger/ },
  ],
  [
    'an edited comment is nothing to do',
    { name: 'issue_comment', payload: { ...comment('/claude hi'), action: 'edited' } },
    {},
    US,
    { kind: 'skip', show: 'log' },
  ],
  [
    'our own comment is nothing to do',
    { name: 'issue_comment', payload: comment('/claude hi', { user: { login: 'github-actions[bot]', type: 'Bot' } }) },
    {},
    US,
    { kind: 'skip', why: /our own/ },
  ],
  [
    'a commenter outside allowed-associations is nothing to do',
    { name: 'issue_comment', payload: comment('/claude hi', { author_association: 'NONE' }) },
    {},
    US,
    { kind: 'skip', why: /allowed-associations/ },
  ],
  [
    'a reply in our thread needs no trigger',
    {
      name: 'pull_request_review_comment',
      payload: {
        ...comment('why?', { in_reply_to_id: 5, path: 'a.ts', line: 3 }),
        issue: undefined,
        pull_request: { number: 7 },
      },
    },
    {},
    { ...US, threadRoot: { id: 5, author: 'github-actions[bot]' } },
    { kind: 'answer' },
  ],
  [
    "a reply in someone else's thread is nothing to do",
    {
      name: 'pull_request_review_comment',
      payload: { ...comment('why?', { in_reply_to_id: 5 }), issue: undefined, pull_request: { number: 7 } },
    },
    {},
    { ...US, threadRoot: { id: 5, author: 'carol' } },
    { kind: 'skip' },
  ],
];

describe('decideMode: what a run does, from the event and the settings', () => {
  it.each(ROWS)('%s', (_title, event, inputs, facts, expected) => {
    const mode = decideMode(event, settings(inputs), facts);
    const { why, ...fields } = expected;
    expect(mode).toMatchObject(fields);
    if (why) expect(mode.kind === 'skip' ? mode.why : '').toMatch(why);
  });

  it('names the fix when no pull request can be found', () => {
    expect(() => decideMode({ name: 'push', payload: {} }, settings(), undefined)).toThrow(/pr-number/);
  });

  it('refuses to decide a comment event without what GitHub said of it', () => {
    expect(() => decideMode({ name: 'issue_comment', payload: comment('/claude hi') }, settings(), undefined)).toThrow(
      /our login/,
    );
  });
});
