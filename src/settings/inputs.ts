import type { ApiFormat, AuthStyle, ProviderPreset } from '../llm/providers.js';
import type { Effort, ModelInfo, RequestShape } from '../llm/models.js';
import type { Prices } from '../core/usage.js';
import type { Severity } from '../core/severity.js';
import type { ModelInputs } from './model.js';

/** The action's inputs by their names in action.yml, as strings (empty = not given). */
export type RawInputs = Readonly<Record<string, string | undefined>>;

/** Every input this version implements, with its default as action.yml declares it. */
export const INPUT_DEFAULTS = {
  'api-key': '',
  'state-secret': '',
  provider: 'anthropic',
  'base-url': '',
  model: '',
  'github-token': '',
  'pr-number': '',
  instructions: '',
  'instructions-file': '',
  'max-output-tokens': '',
  temperature: '',
  effort: '',
  'dry-run': 'false',
  'api-format': '',
  'anthropic-version': '',
  auth: '',
  pricing: '',
  'context-window': '',
  include: '',
  exclude: '',
  'chunk-tokens': '40000',
  concurrency: '4',
  'max-cost-usd': '2',
  'max-minutes': '15',
  'min-severity': 'low',
  'max-comments': '20',
  verify: 'true',
  'review-depth': 'standard',
  'min-confidence': '60',
  'include-pre-existing': 'false',
  'fail-on': 'none',
  'review-event': 'COMMENT',
  'allowed-associations': 'OWNER, MEMBER, COLLABORATOR',
  'review-label': 'claude-review',
  'config-file': '',
  'sarif-file': '',
  incremental: 'true',
  walkthrough: 'true',
  trigger: '/claude',
  'reply-in-threads': 'true',
  context: 'code',
  'max-tool-calls': '8',
  learn: 'false',
  'learn-window': '30',
  'learnings-file': '.github/claude-review-learnings.md',
} as const satisfies Record<string, string>;

export type InputName = keyof typeof INPUT_DEFAULTS;

export const CONTEXT_MODES = ['diff', 'code', 'explore'] as const;

/** How many looks a part gets (see prompt/passes.ts). */
export const REVIEW_DEPTHS = ['quick', 'standard', 'deep'] as const;
export type ReviewDepth = (typeof REVIEW_DEPTHS)[number];
export type ContextMode = (typeof CONTEXT_MODES)[number];

/** The validated, typed settings of one review run. */
export interface Settings {
  /** Secret for the LLM gateway; empty means "plan only" (CLI, dry-run) or an error in the action. */
  apiKey: string;
  /** Secret that seals the state kept in the summary (`state-secret`); empty: the API key when it looks like one. */
  stateSecret: string;
  /** The provider preset (default base URL, wire format, auth header, model IDs, prices). */
  provider: ProviderPreset;
  /** Wire format: `api-format`, else the preset's. */
  apiFormat: ApiFormat;
  /** How the key is sent: `auth`, else the preset's. */
  auth: AuthStyle;
  /** The `anthropic-version` header of Messages API requests: the input, else the preset's. */
  anthropicVersion: string;
  /** Base URL of the gateway: `base-url` when given, else the preset's. No trailing slash, no `/v1`. */
  baseUrl: string;
  /** The model as the user wrote it, else the preset's default. */
  model: string;
  /** True when `model` was set, rather than taken from the preset. */
  modelChosen: boolean;
  /** The model ID sent to the gateway: the ID this provider expects for a known model, else as written. */
  modelId: string;
  /** What we know of the model; undefined for a model outside the registry (needs `context-window`). */
  modelInfo: ModelInfo | undefined;
  /** Context window in tokens: `context-window`, else the registry's. */
  contextWindow: number;
  /** Prices per million tokens: `pricing`, else the provider's for this model; undefined = cost unknown. */
  prices: Prices | undefined;
  /**
   * Prices `max-cost-usd` is enforced at: `prices`, else Anthropic's list price of a known model (a stated
   * stand-in); undefined for an unknown model without `pricing`, where a cap cannot be enforced.
   */
  capPrices: Prices | undefined;
  /** Globs a file must match to be reviewed; empty = all. */
  include: string[];
  /** Globs of files not reviewed, on top of the defaults; `!glob` lifts a default skip. */
  exclude: string[];
  /** Estimated tokens of diff in one request at most. */
  chunkTokens: number;
  /** LLM calls in flight at once. */
  concurrency: number;
  /** No call is made that could take the run's cost past this (USD); undefined = no cap. */
  maxCostUsd: number | undefined;
  /** Minutes the review calls may take in all; at the deadline what was found is posted, the rest listed. */
  maxMinutes: number;
  /** Token for the GitHub REST API. */
  githubToken: string;
  /** Pull request number for `workflow_dispatch`; undefined when taken from the event. */
  prNumber: number | undefined;
  /** Review instructions of the repository: `instructions` text, then the file's content. */
  instructions: string;
  /** Path of a file with more instructions: read from the base commit by the action, the repository by the CLI. */
  instructionsFile: string;
  /** The word that starts a command in a comment: `/claude review`, `/claude <question>`. */
  trigger: string;
  /** Answer replies in threads our comments started, without the trigger. */
  replyInThreads: boolean;
  /** The summary lists every reviewed file with what changed in it, written by the review calls. */
  walkthrough: boolean;
  /**
   * What each review call sees besides the diff: `diff` nothing; `code` the code each change sits in and the
   * definitions its added lines use, from the head commit; `explore` that, plus tools to read and search the
   * repository at the head.
   */
  context: ContextMode;
  /** Tool calls (file reads and searches) one review call may make in `explore` mode. */
  maxToolCalls: number;
  /** On a push, review only the commits since the last reviewed head (when it is still an ancestor). */
  incremental: boolean;
  /** Where to write the findings as SARIF 2.1.0 (relative to the workspace); empty = no SARIF. */
  sarifFile: string;
  /** Path of the repository's review configuration (empty: .github/claude-review.yml, which may be absent). */
  configFile: string;
  /** Run the learn mode (also on a `schedule` event): distil maintainers' dismissals into rules. */
  learn: boolean;
  /** Days of closed pull requests the learn mode reads. */
  learnWindowDays: number;
  /** The rules learned, read from the base commit by every review; '' when `learnings-file: none`. */
  learningsFile: string;
  /** `max_tokens` of each review request: `max-output-tokens`, else the model's default (room for its thinking). */
  maxOutputTokens: number;
  /** Sampling temperature, 0..1; undefined = none sent (the model's default). */
  temperature: number | undefined;
  /** `effort` as given: a level, `none` (up-front thinking off), or undefined (the model's default in this action). */
  effort: Effort | 'none' | undefined;
  /** What each request says about the tool, sampling and thinking, from the model's rules. */
  shape: RequestShape;
  /** Tokens of the model's tokenizer per token of our estimate (Claude 5.x counts about 30 % more). */
  tokenRatio: number;
  /** The shortest prefix the model's prompt cache stores. */
  minCacheTokens: number;
  /** The inputs the model-dependent settings are derived from, to derive them again for another model. */
  asked: ModelInputs;
  /** Review but post nothing to the pull request. */
  dryRun: boolean;
  /** Findings below this severity are listed in the summary, not posted inline. */
  minSeverity: Severity;
  /** At most this many inline and file comments a run, most severe first; the rest are listed in the summary. */
  maxComments: number;
  /** A second look at each part's findings before they are posted: one more call that reads the part from the cache. */
  verify: boolean;
  /**
   * How many looks a part gets: `quick` one general look; `standard` three that each hunt for one family of
   * defects (logic and values, contracts across files, safety), sharing the part's cached prompt; `deep` those
   * three with explore mode's tools (context `explore`).
   */
  reviewDepth: ReviewDepth;
  /** Findings whose confidence (the second look's, else the review's) is under this are listed in the summary, not posted. */
  minConfidence: number;
  /** Post findings the pull request did not introduce (pre-existing) inline too; by default the summary folds them. */
  includePreExisting: boolean;
  /** The step fails (after posting) when a finding reaches this severity; undefined = never. */
  failOn: Severity | undefined;
  /** The review's event: COMMENT, or REQUEST_CHANGES to request changes when `fail-on` is reached. */
  reviewEvent: 'COMMENT' | 'REQUEST_CHANGES';
  /** Author associations whose pull requests are reviewed without a maintainer's label. */
  allowedAssociations: AuthorAssociation[];
  /** A label a maintainer adds to have any author's pull request reviewed; empty (`none`) = no such label. */
  reviewLabel: string;
}

/** GitHub's author associations (`author_association` of a pull request). */
export const AUTHOR_ASSOCIATIONS = [
  'OWNER',
  'MEMBER',
  'COLLABORATOR',
  'CONTRIBUTOR',
  'FIRST_TIME_CONTRIBUTOR',
  'FIRST_TIMER',
  'MANNEQUIN',
  'NONE',
] as const;
export type AuthorAssociation = (typeof AUTHOR_ASSOCIATIONS)[number];

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid action inputs (${problems.length}):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'SettingsError';
  }
}

/** A value as an error message quotes it: JSON, cut at 80 characters. */
export const show = (value: string): string => JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
