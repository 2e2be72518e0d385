// What the gateway says decides what the table does not: the model to use when none is set, and the limits
// and request shape of a model newer than this version's table (one free request each, before the review).
import { newestListedSonnet } from '../llm/default-model.js';
import type { DescribedModel, LlmClient } from '../llm/client.js';
import { findModel, type RequestShape } from '../llm/models.js';
import { DEFAULT_MAX_OUTPUT, DEFAULT_MAX_OUTPUT_THINKING, didYouMean, UNKNOWN_WINDOW } from './model.js';
import { withModel, type Settings } from './settings.js';

/**
 * The model settled before the review: the gateway's newest Sonnet when none is set (see settleDefaultModel),
 * then, for a model outside the table, its limits and capabilities from the gateway's Models API.
 */
export async function settleModel(
  given: Settings,
  llm: LlmClient,
  say: { log: (message: string) => void; warn: (message: string) => void },
): Promise<Settings> {
  const settings = await settleDefaultModel(given, llm, say.log);
  if (settings.modelInfo) return settings;
  const described = await llm.describeModel?.(settings.modelId);
  if (described) {
    const learned = fromDescription(settings, described);
    say.log(
      `model: ${settings.model} is newer than this version's table; the gateway describes it: a ${learned.contextWindow.toLocaleString('en-US')}-token window, up to ${described.maxOutputTokens?.toLocaleString('en-US') ?? 'an unstated number of'} output tokens, ${learned.shape.thinking ? `adaptive thinking at effort ${learned.shape.effort ?? 'default'}` : 'no thinking control'}`,
    );
    return learned;
  }
  const near = didYouMean(settings.model);
  say.warn(
    `${settings.model} is not in this version's model table${near ? ` (did you mean ${near}?)` : ''} and the gateway does not describe it: it is reviewed with the request every Claude model accepts (the review tool offered, no thinking or sampling settings)${settings.asked.contextWindow === undefined ? `, planned for a ${UNKNOWN_WINDOW.toLocaleString('en-US')}-token window; set 'context-window' if it differs` : ''}.`,
  );
  return settings;
}

/** The settings of an unknown model with what the gateway reported: its window, its output cap, thinking and effort. */
export function fromDescription(settings: Settings, described: DescribedModel): Settings {
  const asked = settings.asked;
  const level = asked.effort === 'none' ? undefined : (asked.effort ?? 'medium');
  const thinks = described.adaptiveThinking && level !== undefined && described.efforts.includes(level);
  const shape: RequestShape = {
    forceTool: false,
    ...(asked.temperature !== undefined ? { temperature: asked.temperature } : {}),
    ...(thinks ? { thinking: 'adaptive' as const, effort: level } : {}),
  };
  const cap = described.maxOutputTokens ?? Infinity;
  const fallback = thinks ? DEFAULT_MAX_OUTPUT_THINKING : DEFAULT_MAX_OUTPUT;
  return {
    ...settings,
    contextWindow: asked.contextWindow ?? described.contextWindow ?? UNKNOWN_WINDOW,
    maxOutputTokens: Math.min(asked.maxOutputTokens ?? fallback, cap),
    shape,
  };
}

/**
 * With no `model` set on a gateway that lists its models, the newest Sonnet it lists (one `GET /v1/models`,
 * free); the preset's documented default when it lists none we know or does not answer.
 */
export async function settleDefaultModel(
  settings: Settings,
  llm: LlmClient,
  log: (message: string) => void,
): Promise<Settings> {
  if (settings.modelChosen || !settings.provider.listsModels) return settings;
  const listed = await newestListedSonnet(llm, settings.asked.today);
  if (!listed || findModel(listed)?.id === settings.modelInfo?.id) {
    log(`model: ${settings.model} (the ${settings.provider.name} preset's default)`);
    return settings;
  }
  log(`model: ${listed}, the newest Sonnet ${settings.provider.name} lists (no 'model' set)`);
  return withModel(settings, listed);
}
