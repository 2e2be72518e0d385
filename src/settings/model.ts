// What a model makes of the model-dependent inputs: its limits, prices and request shape, and every problem
// with them (a retired model, a temperature or effort it refuses, an output limit above its own).
import type { ProviderPreset } from '../llm/providers.js';
import {
  activeModels,
  findModel,
  knownModelIds,
  lifecycleOn,
  MODELS,
  requestShape,
  TOKENIZER_RATIO,
  type Effort,
  type ModelInfo,
} from '../llm/models.js';
import type { Prices } from '../core/usage.js';
import { show, type Settings } from './inputs.js';
import { nearest } from '../core/distance.js';

/** The inputs whose meaning depends on the model. */
export interface ModelInputs {
  maxOutputTokens: number | undefined;
  temperature: number | undefined;
  effort: Effort | 'none' | undefined;
  contextWindow: number | undefined;
  pricing: Prices | undefined;
  today: string;
}

/** The window a Claude model is planned for when neither the table nor the gateway gives one: every Claude model since Sonnet 4 has at least this. */
export const UNKNOWN_WINDOW = 200_000;

/** `max_tokens` when `max-output-tokens` is not set: 8192, or 16384 for a model that thinks (thinking counts against it). */
export const DEFAULT_MAX_OUTPUT = 8192;
export const DEFAULT_MAX_OUTPUT_THINKING = 16384;

/** The settings that follow from the model. */
export type ModelDerived = Pick<
  Settings,
  | 'model'
  | 'modelId'
  | 'modelInfo'
  | 'contextWindow'
  | 'prices'
  | 'capPrices'
  | 'maxOutputTokens'
  | 'temperature'
  | 'effort'
  | 'shape'
  | 'tokenRatio'
  | 'minCacheTokens'
>;

/**
 * What a model makes of the model-dependent inputs, and every problem with them: a model retired on Anthropic's
 * API (with its replacement), a temperature or effort the model refuses, an output limit above the model's or
 * the gateway's. A model outside the table is no problem: settings/discover.ts asks the gateway about it.
 */
export function modelSettings(
  provider: ProviderPreset,
  model: string,
  asked: ModelInputs,
  origins: Readonly<Record<string, string>> = {},
): { settings: ModelDerived; problems: string[] } {
  const name = (input: string): string => origins[input] ?? `input '${input}'`;
  const info = findModel(model);
  const shape = requestShape(info, asked.effort, asked.temperature);
  const thinks = shape.thinking !== undefined && shape.thinking !== 'disabled';
  const limit = info ? Math.min(info.maxOutputTokens, provider.maxOutput[info.id] ?? Infinity) : Infinity;
  const fallback = Math.min(limit, thinks ? DEFAULT_MAX_OUTPUT_THINKING : DEFAULT_MAX_OUTPUT);
  const problems = [...modelProblems(provider, model, info, asked, name), ...samplingProblems(info, asked, name)];
  if (asked.maxOutputTokens !== undefined && asked.maxOutputTokens > limit && info) {
    problems.push(
      `${name('max-output-tokens')}: got ${asked.maxOutputTokens}; expected at most ${limit} for ${model} on ${provider.name}`,
    );
  }
  const prices =
    asked.pricing ??
    (info ? (provider.prices[info.id] ?? (provider.listPrices ? info.listPrice : undefined)) : undefined);
  return {
    problems,
    settings: {
      model,
      modelId: (info && info.gatewayIds[provider.name]) ?? model,
      modelInfo: info,
      contextWindow: asked.contextWindow ?? info?.contextWindow ?? UNKNOWN_WINDOW,
      prices,
      capPrices: prices ?? info?.listPrice ?? familyPrice(model),
      maxOutputTokens: asked.maxOutputTokens ?? fallback,
      temperature: asked.temperature,
      effort: asked.effort,
      shape,
      tokenRatio: TOKENIZER_RATIO[info?.tokenizer ?? 'claude-5'],
      minCacheTokens: info?.minCacheTokens ?? 1024,
    },
  };
}

/**
 * A model Anthropic retired, on Anthropic's own API (with its replacement): requests to it fail there. A
 * gateway may still serve it through another cloud, and a model outside the table may be one newer than it:
 * neither fails before a call.
 */
function modelProblems(
  provider: ProviderPreset,
  model: string,
  info: ModelInfo | undefined,
  asked: ModelInputs,
  name: (input: string) => string,
): string[] {
  if (info && provider.name === 'anthropic' && lifecycleOn(info, asked.today) === 'retired') {
    const replacement = info.lifecycle.replacement ? `; use ${info.lifecycle.replacement}, its replacement` : '';
    return [
      `${name('model')}: ${show(model)} was retired by Anthropic on ${info.lifecycle.retiresOn ?? 'an earlier date'}, and requests to it fail${replacement}`,
    ];
  }
  return [];
}

/**
 * The price `max-cost-usd` is enforced at for a Claude model outside the table: the most expensive model of its
 * family we know (`opus`, `sonnet`, `haiku`, `fable` in its name), else of every Claude model; none for a
 * model that is not Claude's (its cost cannot be bounded: the cap then needs `pricing`).
 */
export function familyPrice(model: string): Prices | undefined {
  const name = model.toLowerCase();
  const family = ['opus', 'sonnet', 'haiku', 'fable'].find((f) => name.includes(f));
  if (!family && !name.includes('claude')) return undefined;
  const kin = MODELS.filter((m) => !family || m.id.includes(family));
  return kin.map((m) => m.listPrice).sort((a, b) => b.input + b.output - (a.input + a.output))[0];
}

/** A temperature or an effort the model refuses. */
function samplingProblems(info: ModelInfo | undefined, asked: ModelInputs, name: (input: string) => string): string[] {
  const rules = info?.rules;
  if (!info || !rules) return [];
  const problems: string[] = [];
  if (asked.temperature !== undefined && rules.temperature !== 'any' && rules.temperature !== asked.temperature) {
    const accepted =
      rules.temperature === 'none' ? 'no sampling parameter' : `only temperature ${String(rules.temperature)}`;
    problems.push(
      `${name('temperature')}: got ${asked.temperature}; ${info.id} accepts ${accepted}: leave temperature empty`,
    );
  }
  if (asked.effort !== undefined && rules.efforts.length === 0) {
    problems.push(`${name('effort')}: got ${show(asked.effort)}; ${info.id} takes no effort: leave it empty`);
  } else if (asked.effort === 'none' && !rules.thinkingOff) {
    problems.push(
      `${name('effort')}: got "none"; ${info.id} cannot turn thinking off: use one of ${rules.efforts.join(', ')}`,
    );
  }
  return problems;
}

/**
 * A warning for a model Anthropic deprecated (with its retirement date and replacement), or whose firm
 * retirement is 60 days away or less; undefined for any other model.
 */
export function deprecationNotice(settings: Settings): string | undefined {
  const info = settings.modelInfo;
  if (!info) return undefined;
  const { retiresOn, tentative, replacement } = info.lifecycle;
  const status = lifecycleOn(info, settings.asked.today);
  if (status === 'retired') {
    const move = replacement ? `; if it does not, set 'model' to ${replacement}, its replacement` : '';
    return `${settings.model} was retired by Anthropic on ${retiresOn ?? 'an earlier date'}: the gateway at ${settings.baseUrl} may still serve it through another cloud, and one call will tell${move}.`;
  }
  const days = retiresOn ? (Date.parse(retiresOn) - Date.parse(settings.asked.today)) / 86_400_000 : Infinity;
  if (status !== 'deprecated' && (tentative || days > 60)) return undefined;
  const move = replacement ?? activeModels(settings.asked.today)[0]?.id ?? 'a current model';
  return `${settings.model} is ${status === 'deprecated' ? 'deprecated by Anthropic' : 'about to be retired'}${retiresOn ? ` and retires on ${retiresOn}` : ''}, after which requests to it fail: set 'model' to ${move}.`;
}

/** The known model ID or alias nearest to a name outside the table (a typo, edit distance at most 3). */
export function didYouMean(model: string): string | undefined {
  return nearest(model.toLowerCase(), knownModelIds(), 3);
}
