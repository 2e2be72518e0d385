import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeGitHub } from './github.js';
import { fakePullRequest } from '../helpers/action.js';

/** The fakes are only worth what they reject: these check that they answer as GitHub does. */
describe('the fake GitHub', () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await new FakeGitHub(fakePullRequest()).start();
  });
  afterEach(async () => {
    await github.stop();
  });

  const post = (path: string, body: unknown) =>
    fetch(`${github.url}/repos/octo-org/octo-repo${path}`, {
      method: 'POST',
      headers: { authorization: `token ${github.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("rejects a review body that GitHub's OpenAPI schema rejects", async () => {
    const res = await post('/pulls/42/reviews', {
      commit_id: github.pr.headSha,
      event: 'COMMENT',
      body: 'x',
      comments: [{ path: 'README.md', line: '28', side: 'RIGHT', body: 'x' }],
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toBe('Invalid request.');
  });

  it('rejects a whole review when one comment is outside the diff', async () => {
    const res = await post('/pulls/42/reviews', {
      commit_id: github.pr.headSha,
      event: 'COMMENT',
      body: 'x',
      comments: [
        { path: 'README.md', line: 28, side: 'RIGHT', body: 'in the diff' },
        { path: 'README.md', line: 1, side: 'RIGHT', body: 'not in the diff' },
      ],
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { errors: string[] }).errors).toEqual(['Line could not be resolved']);
    expect(github.reviews).toHaveLength(0);
  });

  it('rejects a comment body over 65,536 characters', async () => {
    const res = await post('/issues/42/comments', { body: 'x'.repeat(65_537) });
    expect(res.status).toBe(422);
  });

  it('rejects a bad token', async () => {
    const res = await fetch(`${github.url}/repos/octo-org/octo-repo/pulls/42`, {
      headers: { authorization: 'token nope' },
    });
    expect(res.status).toBe(401);
  });
});
