/** USD per million tokens. `cacheWrite` is the 5-minute cache write price. */
export interface Prices {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** A model we know: its canonical (dated) ID, the other names users write for it, and its limits. */
export interface ModelInfo {
  id: string;
  aliases: readonly string[];
  contextWindow: number;
  maxOutputTokens: number;
  /** When Anthropic retires the model, as @anthropic-ai/sdk's deprecation list gives it. */
  endOfLife?: string;
  /**
   * Anthropic's list price: what `max-cost-usd` is enforced at on a gateway whose price for the model is
   * unknown (a gateway that resells Claude rarely charges more than Anthropic does).
   */
  listPrice: Prices;
}

/** Anthropic's list price for Sonnet 4, 4.5 and 4.6. */
export const SONNET_LIST_PRICE: Prices = { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 };

/**
 * Claude models named in the provider documents this project started from (see shared/DESIGN.md), and
 * Sonnet 4.6 from Anthropic's model page (1M context, 128K output, $3 / $15), since Sonnet 4.5 retires on
 * November 30th, 2026.
 */
export const MODELS: readonly ModelInfo[] = [
  {
    id: 'claude-sonnet-4-6',
    aliases: ['anthropic/claude-sonnet-4-6', 'anthropic/claude-sonnet-4.6'],
    contextWindow: 1_000_000,
    maxOutputTokens: 128_000,
    listPrice: SONNET_LIST_PRICE,
  },
  {
    id: 'claude-sonnet-4-5-20250929',
    aliases: ['claude-sonnet-4-5', 'anthropic/claude-sonnet-4-5', 'anthropic/claude-sonnet-4.5'],
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    endOfLife: 'November 30th, 2026',
    listPrice: SONNET_LIST_PRICE,
  },
  {
    id: 'claude-sonnet-4-20250514',
    aliases: ['claude-sonnet-4', 'anthropic/claude-sonnet-4', 'anthropic/claude-sonnet-4-20250514'],
    contextWindow: 200_000,
    maxOutputTokens: 64_000,
    listPrice: SONNET_LIST_PRICE,
  },
];

export function findModel(name: string): ModelInfo | undefined {
  const key = name.trim().toLowerCase();
  return MODELS.find((m) => m.id === key || m.aliases.includes(key));
}

export function knownModelIds(): string[] {
  return MODELS.flatMap((m) => [m.id, ...m.aliases]);
}
