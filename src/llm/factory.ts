import type { Settings } from '../settings/settings.js';
import { createAnthropicClient } from './anthropic.js';
import type { LlmClient } from './client.js';

/** The adapter for the settings' provider; made once in `main` and passed in. */
export function createLlmClient(settings: Settings, fetchImpl?: typeof fetch): LlmClient {
  return createAnthropicClient({
    baseUrl: settings.baseUrl,
    apiKey: settings.apiKey,
    auth: settings.provider.auth,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}
