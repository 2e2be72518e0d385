import { errorText } from '../core/errors.js';
import type { Octokit } from './client.js';

/** The login `GITHUB_TOKEN` acts as; the last resort when the token cannot say who it is. */
export const ACTIONS_BOT = 'github-actions[bot]';

/**
 * Who "we" are: the login of the token's identity, as REST shows it on the comments we write. `GET /user`
 * answers for a personal token; an app installation token and `GITHUB_TOKEN` get 403 "Resource not
 * accessible by integration" there, but GraphQL's `viewer` answers for them (a Bot, whose REST login ends
 * in `[bot]`). When neither answers, the token is taken to be `GITHUB_TOKEN`. Never throws: knowing less
 * means only that fewer earlier comments count as ours.
 */
export async function whoAmI(octokit: Octokit, log: (message: string) => void = () => undefined): Promise<string> {
  let rest: string;
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (error) {
    // Expected for GITHUB_TOKEN and app tokens: not logged unless GraphQL cannot say either.
    rest = describe(error);
  }
  try {
    const answer = await octokit.graphql<{ viewer: { login: string; __typename: string } }>(
      'query { viewer { login __typename } }',
    );
    const { login, __typename } = answer.viewer;
    return __typename === 'Bot' && !login.endsWith('[bot]') ? `${login}[bot]` : login;
  } catch (error) {
    log(
      `who the token is: GET /user said ${rest}, GraphQL viewer said ${describe(error)}; taking the token to be GITHUB_TOKEN (${ACTIONS_BOT})`,
    );
  }
  return ACTIONS_BOT;
}

/** True when a comment's author is us (logins are case-insensitive on GitHub). */
export function isOurs(author: string, us: string): boolean {
  return author.toLowerCase() === us.toLowerCase();
}

function describe(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  const message = errorText(error);
  return typeof status === 'number' ? `${status} ${message}` : message;
}
