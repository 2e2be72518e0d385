// A gateway that answers with a redirect to another origin must not receive the key and the prompt there:
// the clients follow no redirect, and the run stops with an error that says why, on both wire formats.
import { describe, expect, it } from 'vitest';
import { FakeGateway } from '../fakes/gateway.js';
import { fakesFor, runInProcess, scriptedReply, semverFiles } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';

const KEY = 'sk-ant-redirect-0123456789';
const stopLater = stopAfterEach();

describe.each([
  { provider: 'anthropic', auth: 'x-api-key' as const },
  { provider: 'aimlapi', auth: 'bearer' as const },
])('a gateway that redirects ($provider)', ({ provider, auth }) => {
  it.each([307, 302])('%i to another origin: nothing is sent there, the run says why and stops', async (status) => {
    const elsewhere = await new FakeGateway({ apiKey: KEY, auth, reply: scriptedReply }).start();
    stopLater(() => elsewhere.stop());
    const gateway = {
      apiKey: KEY,
      auth,
      reply: () => ({
        status,
        error: { type: 'redirect', message: 'moved' },
        headers: { location: `${elsewhere.url}/v1/messages?from=redirect` },
      }),
    };
    const { llm, github, env } = await fakesFor(semverFiles(), gateway, stopLater, {
      provider,
      model: 'claude-sonnet-4-6',
      'review-depth': 'quick',
      'chunk-tokens': '4000',
    });
    const { log, exitCode } = await runInProcess(env);
    expect(elsewhere.calls).toHaveLength(0);
    // The first call's redirect stops the run: no other part is sent to the redirecting gateway either.
    expect(llm.calls).toHaveLength(1);
    expect(log).toContain(`a redirect to ${new URL(elsewhere.url).origin}; not followed`);
    expect(log.replace(/^::add-mask::.*$/gm, '')).not.toContain(KEY);
    expect(exitCode).toBe(1);
    expect(github.issueComments.at(-1)?.body ?? '').toMatch(/not followed/);
  });
});
