import { activeModels, findModel } from './models.js';
import type { LlmClient } from './client.js';

/**
 * The newest Sonnet of the model table, not retired today, that a gateway lists (`GET /v1/models`), as the
 * gateway writes its ID; undefined when the gateway lists none of them or does not answer.
 */
export async function newestListedSonnet(llm: LlmClient, today: string): Promise<string | undefined> {
  const listed = await llm.listModels?.();
  if (!listed || listed.length === 0) return undefined;
  for (const model of activeModels(today).filter((m) => m.id.includes('sonnet'))) {
    const id = listed.find((name) => findModel(name)?.id === model.id);
    if (id) return id;
  }
  return undefined;
}
