// The learnings file as the reviewer reads it, what sets a finding aside, what the maintainers' signals add
// up to, and which rules of the learn call hold.
import { describe, expect, it } from 'vitest';
import { fitLearnings, learningLine, parseLearnings, ruleSettingAside } from '../../src/findings/learnings.js';
import { estimateTokens } from '../../src/core/tokens.js';
import { acceptRules, learnRequest, shownOutcomes } from '../../src/learn/distil.js';
import { withNewRules } from '../../src/learn/file.js';
import { verdictOf, type Outcome } from '../../src/learn/signals.js';

const FILE = `# Claude review learnings

Some introduction that is not a rule.

## Do not flag missing JSDoc in tests
- Files: \`test/**\`, \`**/*.spec.ts\`
- Up to: low
- Learned: 2026-11-02
- Evidence:
  - #12 a link

## This repository allows console.log in scripts
- Files: scripts/**

## A rule with a bad glob
- Files: \`../outside/**\`

## A rule with a bad ceiling
- Up to: urgent
`;

describe('the learnings file', () => {
  it('reads each heading as a rule with its files, ceiling and date, and tells the rules it leaves out', () => {
    const { learnings, problems } = parseLearnings(FILE);
    expect(learnings).toEqual([
      {
        id: 'L1',
        rule: 'Do not flag missing JSDoc in tests',
        paths: ['test/**', '**/*.spec.ts'],
        upTo: 'low',
        learned: '2026-11-02',
      },
      {
        id: 'L2',
        rule: 'This repository allows console.log in scripts',
        paths: ['scripts/**'],
        upTo: 'medium',
        learned: '',
      },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('A rule with a bad glob');
    expect(problems[1]).toContain('"Up to" is not one of critical, high, medium, low, info');
  });

  it('keeps the newest rules within the budget, in the file order with their own ids', () => {
    const { learnings } = parseLearnings(
      [
        '## old rule\n- Learned: 2025-01-01',
        '## newest rule\n- Learned: 2026-12-01',
        '## middle rule\n- Learned: 2026-06-01',
      ]
        .map((s) => `${s}\n`)
        .join('\n'),
    );
    // Room for exactly two of the three lines.
    const cost = (i: number): number => estimateTokens(learningLine(learnings[i]!)) + 1;
    const { kept, dropped } = fitLearnings(learnings, cost(1) + cost(2));
    expect(kept.map((l) => l.id)).toEqual(['L2', 'L3']);
    expect(dropped).toBe(1);
  });

  it('sets a finding aside only for the rule cited, inside its files, at most its severity', () => {
    const { learnings } = parseLearnings(FILE);
    const low = { path: 'test/a.test.js', severity: 'low' as const, learning: 'l1' };
    expect(ruleSettingAside(low, learnings)?.id).toBe('L1');
    expect(ruleSettingAside({ ...low, severity: 'info' }, learnings)?.id).toBe('L1');
    expect(ruleSettingAside({ ...low, severity: 'medium' }, learnings)).toBeUndefined();
    expect(ruleSettingAside({ ...low, path: 'src/a.js' }, learnings)).toBeUndefined();
    expect(ruleSettingAside({ ...low, learning: 'L9' }, learnings)).toBeUndefined();
    expect(ruleSettingAside({ ...low, learning: undefined }, learnings)).toBeUndefined();
  });
});

const outcome = (pr: number, verdict: Outcome['verdict'], severity: Outcome['severity'] = 'low'): Outcome => ({
  pr,
  url: `https://github.com/o/r/pull/${pr}#discussion_r1`,
  path: 'test/a.test.js',
  severity,
  category: 'maintainability',
  title: 'Missing JSDoc',
  text: 'Document it.',
  signals: [{ kind: 'reaction', content: '-1', by: 'alice' }],
  verdict,
});

describe('what maintainers did', () => {
  it('adds up to dismissed, accepted or ignored', () => {
    const down = { kind: 'reaction', content: '-1', by: 'a' } as const;
    const up = { kind: 'reaction', content: '+1', by: 'a' } as const;
    expect(verdictOf([down])).toBe('dismissed');
    expect(verdictOf([{ kind: 'reply', text: 'false positive', by: 'a', says: 'dismissed' }])).toBe('dismissed');
    expect(verdictOf([{ kind: 'resolved', changed: false }])).toBe('dismissed');
    expect(verdictOf([down, up])).toBe('accepted');
    expect(verdictOf([down, { kind: 'resolved', changed: true }])).toBe('accepted');
    expect(verdictOf([{ kind: 'open-at-merge' }])).toBe('ignored');
    expect(verdictOf([{ kind: 'reply', text: 'why?', by: 'a', says: undefined }])).toBe('ignored');
    expect(verdictOf([])).toBeUndefined();
  });
});

describe('the rules of a learn call', () => {
  const shown = shownOutcomes([
    outcome(1, 'dismissed'),
    outcome(1, 'dismissed'),
    outcome(2, 'dismissed', 'high'),
    outcome(3, 'accepted'),
  ]);
  const rule = (extra: Record<string, unknown>) => ({ rules: [{ rule: 'Do not flag JSDoc', ...extra }] });

  it('holds with dismissals on two pull requests, capped at medium whatever its evidence', () => {
    const { rules, dropped } = acceptRules(
      rule({ evidence: ['E1', 'E3'], files: ['test/**'] }),
      shown,
      { existing: [] },
      '2026-12-06',
    );
    expect(dropped).toEqual([]);
    expect(rules[0]).toMatchObject({
      rule: 'Do not flag JSDoc',
      paths: ['test/**'],
      upTo: 'medium',
      learned: '2026-12-06',
    });
  });

  it('does not hold on one pull request, on accepted findings, with a bad glob, when the file has it or it was declined', () => {
    const existing = parseLearnings('## Do not flag JSDoc\n').learnings;
    const cases = [
      rule({ evidence: ['E1', 'E2'] }),
      rule({ evidence: ['E1', 'E4'] }),
      rule({ evidence: ['E1', 'E3'], files: ['/abs/**'] }),
    ];
    for (const input of cases) expect(acceptRules(input, shown, { existing: [] }, '2026-12-06').rules).toEqual([]);
    expect(acceptRules(rule({ evidence: ['E1', 'E3'] }), shown, { existing }, '2026-12-06').dropped[0]).toContain(
      'the file has it already',
    );
    expect(acceptRules({ rules: 'none' }, shown, { existing: [] }, '2026-12-06').dropped).toHaveLength(1);
    const declined = acceptRules(
      rule({ evidence: ['E1', 'E3'] }),
      shown,
      { existing: [], declined: ['DO NOT flag JSDoc'] },
      '2026-12-06',
    );
    expect(declined.dropped[0]).toContain('maintainers closed a proposal of it');
  });

  it('does not hold on security findings, however often dismissed', () => {
    const security = shownOutcomes([
      { ...outcome(1, 'dismissed'), category: 'security' },
      { ...outcome(2, 'dismissed'), category: 'security' },
    ]);
    const { rules, dropped } = acceptRules(rule({ evidence: ['E1', 'E2'] }), security, { existing: [] }, '2026-12-06');
    expect(rules).toEqual([]);
    expect(dropped[0]).toContain('it would set aside security findings');
  });

  it('shows a long thread counted, not whole, and the file’s rules without their evidence', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ kind: 'reaction', content: '-1', by: `m${i}` }) as const);
    const request = learnRequest(
      shownOutcomes([{ ...outcome(1, 'dismissed'), signals: many }]),
      parseLearnings(FILE).learnings,
    );
    const text = request.user.map((b) => b.text).join('');
    expect(text).toContain('👎 by @m5; and 34 more');
    expect(text).not.toContain('@m6 ');
    expect(text).toContain('<learnings_file>\n- Do not flag missing JSDoc in tests\n- This repository allows');
    expect(text).not.toContain('#12 a link');
  });

  it('writes a rule as one plain heading that reads back as the same rule', () => {
    const input = rule({ rule: '## <b>Do not</b>\nflag JSDoc', evidence: ['E1', 'E3'], files: ['test/**'] });
    const { rules } = acceptRules(input, shown, { existing: [] }, '2026-12-06');
    const text = withNewRules(undefined, rules);
    expect(text).toContain('\n## bDo not/b flag JSDoc\n- Files: `test/**`\n- Up to: medium\n- Learned: 2026-12-06\n');
    const read = parseLearnings(text);
    expect(read.learnings).toHaveLength(1);
    expect(read.learnings[0]).toMatchObject({ rule: 'bDo not/b flag JSDoc', paths: ['test/**'], upTo: 'medium' });
    // Added after what the file has: a maintainer's edits stay as they are.
    expect(withNewRules('# Ours\n\n## kept as is\n', rules)).toMatch(/^# Ours\n\n## kept as is\n\n## bDo not/);
  });
});
