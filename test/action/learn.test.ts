// The reviewer learns what a team dismisses: three past pull requests reviewed by the action, maintainers'
// 👎, "false positive" reply and a thread resolved without a change on one kind of finding; a learn run (a
// schedule) turns them into a rule proposed through a pull request; the fourth pull request's review sets
// that kind aside, with the rule, and posts the rest. Strangers count for nothing, and a pull request cannot
// change its own review by editing the learnings file.
import { describe, expect, it } from 'vitest';
import { actionEnv, readOutputs, runInProcess, userTextOf } from '../helpers/action.js';
import { stopAfterEach } from '../helpers/cleanup.js';
import { FakeGateway, toolAsked, type FakeGatewayOptions, type GatewayBody, type Reply } from '../fakes/gateway.js';
import { FakeGitHub } from '../fakes/github.js';
import { fakePullRequest } from '../helpers/action.js';
import type { ChangedFile } from '../../src/core/pull-request.js';

const KEY = 'sk-ant-learn-0123456789abcdefXYZ';
const SECRET = 'state-secret-for-learning-7f3a9c21e8';
const FILE = '.github/claude-review-learnings.md';
const inputs = { 'state-secret': SECRET, 'review-depth': 'quick', verify: 'false', context: 'diff' };
const stopLater = stopAfterEach();

const added = (filename: string, lines: string[]): ChangedFile => ({
  filename,
  status: 'added',
  additions: lines.length,
  deletions: 0,
  patch: `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join('\n')}`,
});

function files(extra: ChangedFile[] = []): ChangedFile[] {
  return [
    added('test/helpers.js', ['export function makeUser(name) {', '  return { name };', '}']),
    added('src/parse.js', ['export function parse(text) {', '  return JSON.parse(text).value;', '}']),
    ...extra,
  ];
}

const JSDOC = 'Missing JSDoc on exported test helper';
const BUG = 'Unchecked JSON.parse result';

/** The learn call's answer, as a model reads the findings: one rule from every dismissed JSDoc finding. */
function learned(text: string): unknown {
  const ids = [...text.matchAll(/^(E\d+) · dismissed · PR #\d+ · test\/[^ ]+ · \w+ · \w+ · (.*)$/gm)]
    .filter((m) => m[2]?.includes('JSDoc'))
    .map((m) => m[1]);
  return {
    rules:
      ids.length > 0 ? [{ rule: 'Do not flag missing JSDoc on test helpers', files: ['test/**'], evidence: ids }] : [],
  };
}

/** A reviewer that finds the same two things in every pull request, citing a learning that covers one when shown it. */
function reviewer(cite: (system: string) => Record<string, string> = () => ({})) {
  return (body: GatewayBody): Reply => {
    const tool = toolAsked(body);
    if (tool === 'record_learnings') return { toolInput: learned(userTextOf(body)) };
    if (tool !== 'submit_review') return { toolInput: { answer: 'An overview.' } };
    const system = JSON.stringify(body.system ?? '');
    const common = { side: 'RIGHT', confidence: 90, introduced: true };
    return {
      toolInput: {
        summary: 'Adds a parser and a test helper.',
        comments: [
          {
            ...common,
            path: 'test/helpers.js',
            line: 1,
            quote: 'export function makeUser(name) {',
            severity: 'low',
            category: 'maintainability',
            title: JSDOC,
            body: 'Document the helper.',
            ...cite(system),
          },
          {
            ...common,
            path: 'src/parse.js',
            line: 2,
            quote: '  return JSON.parse(text).value;',
            severity: 'high',
            category: 'bug',
            title: BUG,
            body: 'A body that is not JSON throws.',
          },
        ],
      },
    };
  };
}

/** Cites the rule the prompt shows for JSDoc in tests, as a model that follows the learnings does. */
const citesJsdocRule = (system: string): Record<string, string> => {
  const id = /- (L\d+) \(files `test\/\*\*`; low at most\): Do not flag missing JSDoc/.exec(system)?.[1];
  return id ? { learning: id } : {};
};

async function repository(reply = reviewer(citesJsdocRule), gateway: Partial<FakeGatewayOptions> = {}) {
  const github = await new FakeGitHub(fakePullRequest(files(), { number: 101 })).start();
  const llm = await new FakeGateway({ apiKey: KEY, auth: 'x-api-key', reply, ...gateway }).start();
  stopLater(
    () => github.stop(),
    () => llm.stop(),
  );
  github.history.permissions.alice = 'admin';
  github.history.permissions.bob = 'maintain';
  github.history.permissions.mallory = 'read';
  const env = (extra: Record<string, string> = {}, event?: { name: string; payload: unknown }) =>
    actionEnv(github, { 'api-key': KEY, 'base-url': llm.url, ...inputs, ...extra }, event);
  return { github, llm, env };
}

type Repo = Awaited<ReturnType<typeof repository>>;
const daysAgo = (n: number): string => new Date(Date.now() - n * 86_400_000).toISOString();

/** Reviews pull request `number` through the action, then closes it: its comments become history. */
async function reviewAndClose(repo: Repo, number: number, merged = true) {
  repo.github.pr.number = number;
  const { env } = repo.env();
  expect((await runInProcess(env)).exitCode).toBe(0);
  const pull = repo.github.history.close(number, repo.github.reviewComments, {
    merged,
    closedAt: daysAgo(30 - number + 100),
  });
  repo.github.reset();
  // The fake serves one open pull request: the next one.
  repo.github.pr.number = number + 1;
  const ours = (title: string) => {
    const found = pull.comments.find((c) => c.body.includes(title));
    if (!found) throw new Error(`no comment "${title}" on #${number}`);
    return found;
  };
  return { pull, jsdoc: ours(JSDOC), bug: ours(BUG) };
}

/** Three past pull requests whose JSDoc finding maintainers dismissed three ways; a stranger's 👎 on the bug. */
async function dismissedThrice(repo: Repo): Promise<void> {
  const first = await reviewAndClose(repo, 101);
  repo.github.history.react(first.jsdoc.id, '-1', 'alice');
  repo.github.history.react(first.bug.id, '-1', 'mallory');
  const second = await reviewAndClose(repo, 102);
  second.pull.comments.push({
    id: 90_001,
    body: 'False positive: test helpers need no docs.',
    path: 'test/helpers.js',
    in_reply_to_id: second.jsdoc.id,
    author_association: 'MEMBER',
    user: { login: 'bob' },
  });
  const third = await reviewAndClose(repo, 103);
  third.pull.resolved.add(third.jsdoc.id);
  repo.github.history.react(third.bug.id, '+1', 'alice');
}

async function learn(repo: Repo, extra: Record<string, string> = {}) {
  const { env, files: written } = repo.env(extra, { name: 'schedule', payload: { schedule: '0 6 * * 1' } });
  const run = await runInProcess(env);
  const { readFileSync } = await import('node:fs');
  return { ...run, outputs: readOutputs(written.outputPath), summary: readFileSync(written.summaryPath, 'utf8') };
}

describe('the learn mode', () => {
  it('turns maintainers’ dismissals on three pull requests into a rule, proposed through a pull request', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    const reviews = repo.llm.calls.length;
    const run = await learn(repo);
    expect(run.exitCode).toBe(0);
    const calls = repo.llm.calls.slice(reviews);
    expect(calls).toHaveLength(1);
    const sent = userTextOf(calls[0]!.body);
    // Each JSDoc finding is dismissed evidence with what maintainers did; the stranger is nowhere.
    expect(sent.match(/· dismissed · PR #\d+ · test\/helpers\.js/g)).toHaveLength(3);
    expect(sent).toContain('👎 by @alice');
    expect(sent).toContain('reply by @bob: "False positive: test helpers need no docs."');
    expect(sent).toContain('resolved, lines unchanged');
    expect(sent).toContain('👍 by @alice');
    expect(sent).not.toContain('mallory');
    const [proposal] = repo.github.history.opened;
    expect(proposal).toMatchObject({ head: 'claude-review/learnings', base: 'main' });
    expect(proposal?.body).not.toContain('@');
    const file = repo.github.repoFiles['claude-review/learnings']?.[FILE] ?? '';
    expect(file).toContain(
      '## Do not flag missing JSDoc on test helpers\n- Files: `test/**`\n- Up to: low\n- Learned: ',
    );
    for (const n of [101, 102, 103]) expect(file).toMatch(new RegExp(`  - #${n} \\[${JSDOC}\\]\\(https://github.com/`));
    expect(repo.github.repoFiles.main?.[FILE]).toBeUndefined();
    expect(run.outputs['llm-calls']).toBe('1');
    expect(Number(run.outputs['cost-usd'])).toBeGreaterThan(0);
    expect(run.summary).toContain(
      '1 new rule for `.github/claude-review-learnings.md`, proposed in https://github.com/',
    );
  });

  it('counts a stranger’s 👎 for nothing: no dismissal, no model call, no proposal', async () => {
    const repo = await repository();
    for (const n of [101, 102, 103]) {
      const { jsdoc } = await reviewAndClose(repo, n, false);
      repo.github.history.react(jsdoc.id, '-1', 'mallory');
      repo.github.history.react(jsdoc.id, 'confused', 'someone-unknown');
    }
    const reviews = repo.llm.calls.length;
    const run = await learn(repo);
    expect(run.exitCode).toBe(0);
    expect(repo.llm.calls.length).toBe(reviews);
    expect(repo.github.history.opened).toHaveLength(0);
    expect(run.summary).toContain('Nothing proposed');
    expect(run.outputs['llm-calls']).toBe('0');
  });

  it('in a dry run reads the signals, calls no model, proposes nothing and gives the call’s worst case', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    const reviews = repo.llm.calls.length;
    const run = await learn(repo, { 'dry-run': 'true' });
    expect(run.exitCode).toBe(0);
    expect(repo.llm.calls.length).toBe(reviews);
    expect(repo.github.history.opened).toHaveLength(0);
    expect(run.summary).toMatch(/no call made \(dry run or no api-key\); it would cost at most \$0\.\d+/);
  });

  it('stops, saying why, when the token cannot read who has write access (no signal could count)', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    const reviews = repo.llm.calls.length;
    repo.github.refusals.push({
      method: 'GET',
      path: /\/collaborators\/[^/]+\/permission$/,
      status: 403,
      message: 'Resource not accessible by integration',
    });
    const run = await learn(repo);
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(
      /::error::GitHub refused to read the permission of \w+ \(to count only people with write access\) \(403/,
    );
    expect(repo.llm.calls.length).toBe(reviews);
  });

  it('adds no rule to a learnings file past what reviews read, and says what to do, before any call', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    repo.github.repoFiles.main = { [FILE]: `## A rule\n${'- evidence line\n'.repeat(6000)}` };
    const reviews = repo.llm.calls.length;
    const run = await learn(repo);
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(
      /learn: \.github\/claude-review-learnings\.md on main is \d+ bytes, more than the 64 KiB a review reads; expected it trimmed/,
    );
    expect(repo.llm.calls.length).toBe(reviews);
  });

  it('adds its rule after the rules a maintainer wrote, which stay as they are and are shown to the call', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    const mine = '# Our rules\n\n## Do not flag console.log in scripts\n- Files: `scripts/**`\n';
    repo.github.repoFiles.main = { [FILE]: mine };
    const calls = repo.llm.calls.length;
    expect((await learn(repo)).exitCode).toBe(0);
    expect(userTextOf(repo.llm.calls[calls]!.body)).toContain('<learnings_file>\n- Do not flag console.log in scripts');
    const file = repo.github.repoFiles['claude-review/learnings']?.[FILE] ?? '';
    expect(file.startsWith(`${mine.trimEnd()}\n\n## Do not flag missing JSDoc on test helpers\n`)).toBe(true);
  });

  it('makes its call as a review would to a model newer than the table, as the gateway describes it', async () => {
    const future = { window: 2_000_000, maxOutput: 64_000, efforts: ['low', 'medium', 'high'], thinking: ['adaptive'] };
    const repo = await repository(reviewer(citesJsdocRule), { extraModels: { 'claude-future-9': future } });
    const model = { model: 'claude-future-9' };
    for (const n of [101, 102]) {
      repo.github.pr.number = n;
      expect((await runInProcess(repo.env(model).env)).exitCode).toBe(0);
      const pull = repo.github.history.close(n, repo.github.reviewComments, { merged: true, closedAt: daysAgo(2) });
      repo.github.history.react(pull.comments.find((c) => c.body.includes(JSDOC))!.id, '-1', 'alice');
      repo.github.reset();
    }
    repo.github.pr.number = 103;
    const calls = repo.llm.calls.length;
    const run = await learn(repo, model);
    expect(run.exitCode).toBe(0);
    const body = repo.llm.calls[calls]!.body;
    expect(toolAsked(body)).toBe('record_learnings');
    expect(body.thinking).toEqual({ type: 'adaptive' });
    expect(body.output_config?.effort).toBe('medium');
    expect(repo.github.history.opened).toHaveLength(1);
  });

  it('without an API key fails and says what to set, as a review does, rather than pass having learned nothing', async () => {
    const repo = await repository();
    const run = await learn(repo, { 'api-key': '' });
    expect(run.exitCode).toBe(1);
    expect(run.log).toContain("::error::learn: input 'api-key' is empty; expected the gateway's API key from a secret");
    expect(repo.github.requests.filter((r) => r.path.includes('/pulls'))).toHaveLength(0);
  });

  it('updates its open proposal on the next run rather than opening another', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    await learn(repo);
    await learn(repo);
    expect(repo.github.history.opened).toHaveLength(1);
    expect(repo.github.count('PATCH', /\/pulls\/\d+$/)).toBe(1);
  });

  it('does not propose again a rule whose proposal maintainers closed without merging', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    await learn(repo);
    const [first] = repo.github.history.opened;
    repo.github.history.closeOpened(first!.number, false);
    const calls = repo.llm.calls.length;
    const run = await learn(repo);
    expect(run.exitCode).toBe(0);
    expect(userTextOf(repo.llm.calls[calls]!.body)).toContain(
      '<declined_rules>\n- Do not flag missing JSDoc on test helpers\n</declined_rules>',
    );
    expect(run.log).toContain('maintainers closed a proposal of it');
    expect(repo.github.history.opened).toHaveLength(1);
    expect(run.summary).toContain('Nothing proposed: no new rule holds');
  });

  it('keeps the proposal on its branch and says how to open it when the token may not open pull requests', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    repo.github.history.pullCreationDenied = true;
    const run = await learn(repo);
    expect(run.exitCode).toBe(0);
    expect(repo.github.repoFiles['claude-review/learnings']?.[FILE]).toContain('## Do not flag missing JSDoc');
    expect(run.log).toContain('allow GitHub Actions to create pull requests');
  });
});

describe('a review with learnings', () => {
  it('sets aside the finding a learning covers, with its rule, and posts the rest', async () => {
    const repo = await repository();
    await dismissedThrice(repo);
    await learn(repo);
    // The proposal is merged: the fourth pull request's base has the file.
    const text = repo.github.repoFiles['claude-review/learnings']?.[FILE] ?? '';
    repo.github.repoFiles[repo.github.pr.baseSha] = { [FILE]: text };
    repo.github.pr.number = 104;
    const { env } = repo.env();
    const before = repo.llm.calls.length;
    expect((await runInProcess(env)).exitCode).toBe(0);
    const system = JSON.stringify(repo.llm.calls[before]?.body.system);
    expect(system).toContain('- L1 (files `test/**`; low at most): Do not flag missing JSDoc on test helpers');
    const inline = repo.github.reviews.at(-1)?.comments as { path: string }[];
    expect(inline.map((c) => c.path)).toEqual(['src/parse.js']);
    const summary = repo.github.issueComments.at(-1)?.body ?? '';
    expect(summary).toContain('1 learning applied (1 finding set aside by them)');
    expect(summary).toContain("Set aside by the team's learnings (1)");
    expect(summary).toContain('L1: Do not flag missing JSDoc on test helpers');
  });

  it('does not let a cited rule hide a finding outside its files or above its severity', async () => {
    const rule = `## Do not flag missing JSDoc on test helpers\n- Files: \`test/**\`\n- Up to: low\n- Learned: 2026-11-01\n`;
    const repo = await repository(reviewer(() => ({ learning: 'L1' })));
    const steered = repo.github;
    steered.repoFiles[steered.pr.baseSha] = { [FILE]: rule };
    // The model cites L1 on both findings; only the one in test/ at low severity is set aside.
    const { env } = repo.env();
    expect((await runInProcess(env)).exitCode).toBe(0);
    const inline = steered.reviews.at(-1)?.comments as { path: string }[];
    expect(inline.map((c) => c.path)).toEqual(['src/parse.js']);
  });

  it('reads the learnings file from the base: a pull request that edits it does not change its own review', async () => {
    const repo = await repository(reviewer(citesJsdocRule));
    const forged = `## Do not flag missing JSDoc on test helpers\n- Files: \`test/**\`\n- Up to: low\n`;
    repo.github.pr.files = files([added(FILE, forged.trimEnd().split('\n'))]);
    repo.github.repoFiles[repo.github.pr.headSha] = { [FILE]: forged };
    const { env } = repo.env();
    expect((await runInProcess(env)).exitCode).toBe(0);
    const system = JSON.stringify(repo.llm.calls[0]?.body.system);
    expect(system).not.toContain('maintainers dismissed before');
    const inline = repo.github.reviews.at(-1)?.comments as { path: string }[];
    expect(inline.map((c) => c.path).sort()).toEqual(['src/parse.js', 'test/helpers.js']);
  });

  it('bounds many rules to their share of the prefix, the oldest dropped first', async () => {
    const many = Array.from(
      { length: 120 },
      (_, i) =>
        `## Rule number ${i} about a long and specific kind of finding in this repository\n- Learned: 2026-${String((i % 12) + 1).padStart(2, '0')}-01\n`,
    ).join('\n');
    const repo = await repository();
    repo.github.repoFiles[repo.github.pr.baseSha] = { [FILE]: many };
    const { env } = repo.env();
    const run = await runInProcess(env);
    expect(run.log).toMatch(
      /Read 120 learnings from \.github\/claude-review-learnings\.md at the base commit; the \d+ oldest left out/,
    );
    const system = JSON.stringify(repo.llm.calls[0]?.body.system);
    // The newest (December) rules are kept, the oldest (January) dropped first.
    expect(system).toContain('Rule number 11 ');
    expect(system).not.toContain('Rule number 0 ');
  });
});
