import { MODELS } from './model-table.js';
import type { Effort, LifecycleStatus, ModelInfo, ThinkingType } from './model-types.js';

export * from './model-types.js';
export { MODELS, SONNET_LIST_PRICE } from './model-table.js';

/** A model by its canonical ID, an alias, or the ID a gateway uses for it. */
export function findModel(name: string): ModelInfo | undefined {
  const key = name.trim().toLowerCase();
  return MODELS.find(
    (m) =>
      m.id === key || m.aliases.includes(key) || Object.values(m.gatewayIds).some((id) => id.toLowerCase() === key),
  );
}

export function knownModelIds(): string[] {
  return MODELS.flatMap((m) => [m.id, ...m.aliases]);
}

/** The model's status on a given day: a firm retirement date in the past makes it retired. */
export function lifecycleOn(model: ModelInfo, today: string): LifecycleStatus {
  const { status, retiresOn, tentative } = model.lifecycle;
  if (retiresOn && !tentative && retiresOn <= today) return 'retired';
  return status;
}

/** The models a user can move to today: not retired, newest first as the table lists them. */
export function activeModels(today: string): ModelInfo[] {
  return MODELS.filter((m) => lifecycleOn(m, today) !== 'retired');
}

/** What one request says about thinking, sampling and the tool: decided once per run from the model's rules. */
export interface RequestShape {
  /** Force the required tool; otherwise it is offered with `tool_choice: auto` as a strict tool. */
  forceTool: boolean;
  temperature?: number;
  thinking?: ThinkingType;
  effort?: Effort;
}

/** The request shape for a known model, the `effort` asked for (`none`: up-front thinking off) and `temperature`. */
export function requestShape(
  model: ModelInfo | undefined,
  effort: Effort | 'none' | undefined,
  temperature: number | undefined,
): RequestShape {
  const sampling = temperature !== undefined ? { temperature } : {};
  // A model we know nothing of gets what every Claude model since Sonnet 4 accepts: the tool offered, strict,
  // with tool_choice auto; no thinking field (its default); no effort.
  if (!model) return { forceTool: false, ...sampling };
  if (model.rules.thinking.length === 0) return { forceTool: model.rules.forcedToolChoice, ...sampling };
  const rules = model.rules;
  const off = effort === 'none';
  // Settings refuse `effort: none` for a model that cannot turn thinking off.
  const thinking = off ? (rules.thinkingOff ?? 'adaptive') : 'adaptive';
  const level = off ? undefined : (effort ?? rules.defaultEffort);
  // No model forces a tool while it thinks; Haiku 5.5 and Sonnet 5 can, once thinking is disabled.
  const thinks = thinking !== 'disabled';
  return {
    forceTool: rules.forcedToolChoice && !thinks,
    ...sampling,
    thinking,
    ...(level ? { effort: level } : {}),
  };
}
