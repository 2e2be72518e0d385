// What a learn run costs, through the action's own path (the learn stage on the fake GitHub: closed pull
// requests, our sealed comments, reactions, replies and threads; one call to the fake gateway), and what the
// learnings add to every review's cached prefix.
import { FakeGateway, toolAsked, type FakeGatewayOptions, type GatewayBody } from '../test/fakes/gateway.js';
import { FakeGitHub, type StoredComment } from '../test/fakes/github.js';
import { fakePullRequest, userTextOf } from '../test/helpers/action.js';
import { billedAtList } from './context.js';
import { createOctokit } from '../src/github/client.js';
import { learnFromReviews } from '../src/learn/learn.js';
import { withNewRules } from '../src/learn/file.js';
import { shownOutcomes, type NewRule } from '../src/learn/distil.js';
import type { RepoRules } from '../src/prompt/prompt.js';
import { fitLearnings, MAX_LEARNINGS_TOKENS, parseLearnings } from '../src/findings/learnings.js';
import { fingerprintMarker } from '../src/publish/render.js';
import { sealFor } from '../src/source/state.js';
import { parseSettings } from '../src/settings/settings.js';
import { createLlmClient } from '../src/llm/factory.js';
import { makePlan } from '../src/pipeline/stages.js';
import type { PullRequest } from '../src/core/pull-request.js';
import { BENCH_MODELS } from './models.js';

const KEY = 'bench-key';
const SECRET = 'bench-state-secret-0123456789abcdef';
/** A busy month: 60 closed pull requests, four findings of ours on each. */
const PULLS = 60;
const BODY =
  'The helper is exported and used by other test files, but nothing says what it returns or which fields of the user it fills in. A reader has to open every caller to find out, and a change to its shape will break them without warning. Add a short JSDoc block that names the parameters and the returned object.';

const KINDS = [
  {
    severity: 'Low',
    category: 'maintainability',
    title: 'Missing JSDoc on exported test helper',
    path: 'test/helpers.js',
  },
  { severity: 'High', category: 'bug', title: 'Unchecked JSON.parse result in the parser', path: 'src/parse.js' },
  {
    severity: 'Medium',
    category: 'performance',
    title: 'Regular expression compiled inside the loop',
    path: 'src/scan.js',
  },
  { severity: 'Low', category: 'style', title: 'Debug output logged at error level', path: 'src/log.js' },
];

/** Our comment as the action writes it: heading, body, and the fingerprint marker sealed for its pull request. */
function ourComment(id: number, pr: number, kind: (typeof KINDS)[number]): StoredComment {
  const icon = { Low: '🔵', Medium: '🟡', High: '🟠' }[kind.severity];
  const fp = id.toString(16).padStart(16, '0');
  const marker = fingerprintMarker(fp, sealFor(SECRET, { owner: 'octo-org', repo: 'octo-repo', number: pr }));
  const body = `${icon} **${kind.severity}** · ${kind.category} — **${kind.title}**\n\n${BODY}\n\n${marker}`;
  return { id, body, path: kind.path, line: 1, side: 'RIGHT', user: { login: 'github-actions[bot]' } };
}

/** The month: on each PR the JSDoc finding is dismissed (👎, a reply, or resolved unchanged), the bug accepted, the rest left open. */
function history(github: FakeGitHub): void {
  github.history.permissions.alice = 'admin';
  github.history.permissions.bob = 'write';
  for (let n = 1; n <= PULLS; n++) {
    const comments = KINDS.map((kind, i) => ourComment(n * 10 + i, n, kind));
    const [jsdoc, bug] = [n * 10, n * 10 + 1];
    const pull = github.history.close(n, comments, {
      merged: true,
      closedAt: new Date(Date.now() - (n % 28) * 86_400_000).toISOString(),
    });
    if (n % 3 === 0) github.history.react(jsdoc, '-1', 'alice');
    else if (n % 3 === 1) {
      pull.comments.push({
        id: 100_000 + n,
        body: 'False positive: test helpers do not need docs here.',
        in_reply_to_id: jsdoc,
        user: { login: 'bob' },
      });
    } else pull.resolved.add(jsdoc);
    github.history.react(bug, '+1', 'alice');
  }
}

/** A model that reads the findings: one rule from every dismissed JSDoc finding. */
function learner(body: GatewayBody) {
  if (toolAsked(body) !== 'record_learnings') return { toolInput: { answer: '' } };
  const ids = [...userTextOf(body).matchAll(/^(E\d+) · dismissed · .*JSDoc/gm)].map((m) => m[1]);
  const rule = { rule: 'Do not flag missing JSDoc on test helpers', files: ['test/**'], evidence: ids.slice(0, 20) };
  return { toolInput: { rules: [rule] } };
}

type GatewayShape = Omit<FakeGatewayOptions, 'apiKey' | 'auth' | 'reply'>;
const fmt = (n: number): string => n.toLocaleString('en-US');

/** One learn run a model: GitHub requests, findings shown, tokens, what the gateway billed and what we reported. */
export async function learnRows(gateway: GatewayShape): Promise<string[]> {
  const rows = [
    `| model | pull requests read | GitHub requests | findings with a signal | shown to the model | input | output | billed USD | reported ÷ billed |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const model of BENCH_MODELS.slice(0, 3)) {
    const github = await new FakeGitHub(fakePullRequest([], { number: 999 })).start();
    const fake = await new FakeGateway({ apiKey: KEY, auth: 'x-api-key', reply: learner, ...gateway }).start();
    try {
      history(github);
      const settings = parseSettings({ 'api-key': KEY, 'base-url': fake.url, model, 'state-secret': SECRET });
      const octokit = createOctokit({ token: github.token, baseUrl: github.url, throttle: false });
      const repo = { owner: 'octo-org', repo: 'octo-repo' };
      const report = await learnFromReviews({
        ...{ octokit, repo, settings, llm: createLlmClient(settings), us: 'github-actions[bot]' },
        ...{ log: () => undefined, now: Date.now() },
      });
      const billed = billedAtList(fake.calls, model);
      const u = fake.calls[0]?.usage;
      const shown = shownOutcomes(report.outcomes).length;
      rows.push(
        `| ${model} | ${report.pulls} | ${github.requests.length} | ${report.outcomes.length} | ${shown} | ${fmt(u?.input_tokens ?? 0)} | ${fmt(u?.output_tokens ?? 0)} | ${billed.toFixed(4)} | ${((report.usd ?? 0) / billed).toFixed(4)} |`,
      );
    } finally {
      await github.stop();
      await fake.stop();
    }
  }
  return rows;
}

/**
 * What the learnings add to a review of `pr` at Sonnet 5.5: prefix tokens, and the review billed by the fake
 * gateway with the action's own path (`review`), for the rule just learned, ten rules, and the bound.
 */
export async function prefixRows(pr: PullRequest, review: (rules: RepoRules) => Promise<number>): Promise<string[]> {
  const settings = parseSettings({ 'api-key': KEY, 'max-cost-usd': 'none' });
  const rulesOf = (text: string): RepoRules => ({
    instructions: '',
    learnings: fitLearnings(parseLearnings(text).learnings).kept,
  });
  const rule = (i: number): NewRule => ({
    rule: `Do not flag missing JSDoc on exported helpers of kind ${i} in the test folders`,
    paths: ['test/**', '**/*.spec.ts'],
    upTo: 'low',
    learned: `2026-${String((i % 12) + 1).padStart(2, '0')}-01`,
    evidence: [],
  });
  const files: [string, string][] = [
    ['none', ''],
    ['1 rule', withNewRules(undefined, [rule(0)])],
    [
      '10 rules',
      withNewRules(
        undefined,
        Array.from({ length: 10 }, (_, i) => rule(i)),
      ),
    ],
    [
      `200 rules (cut to ${fmt(MAX_LEARNINGS_TOKENS)} tokens)`,
      withNewRules(
        undefined,
        Array.from({ length: 200 }, (_, i) => rule(i)),
      ),
    ],
  ];
  const rows = [
    '| learnings file | prefix tokens | added | review billed USD | added USD | added ÷ review |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  let base: { tokens: number; usd: number } | undefined;
  for (const [name, text] of files) {
    const rules = rulesOf(text);
    const tokens = makePlan(pr, settings, rules).prefixTokens;
    const usd = await review(rules);
    base ??= { tokens, usd };
    rows.push(
      `| ${name} | ${fmt(tokens)} | ${fmt(tokens - base.tokens)} | ${usd.toFixed(4)} | ${(usd - base.usd).toFixed(4)} | ${((usd - base.usd) / base.usd).toFixed(4)} |`,
    );
  }
  return rows;
}
