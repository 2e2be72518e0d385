// Rendering and placement, measured on the benchmark's real pull requests: how many tokens the diff costs as
// the prompt shows it against the raw patch, and how often a finding lands on the line the reviewer meant
// when the reviewer miscounts the lines the prompt does not number.
import { seededRandom } from './random.js';
import type { DiffLine, FileDiff, Hunk } from '../src/diff/diff.js';
import { renderHunk } from '../src/diff/render.js';
import { renderChunk } from '../src/prompt/prompt.js';
import { placeComments } from '../src/findings/place.js';
import type { RawComment } from '../src/findings/schema.js';
import type { ReviewPlan } from '../src/pipeline/stages.js';

/** The rendering before the lean one: a tag with side and number on every line ("R12 + text"). */
function taggedLine(line: DiffLine): string {
  if (line.kind === 'add') return `R${line.newLine ?? 0} + ${line.text}`;
  if (line.kind === 'del') return `L${line.oldLine ?? 0} - ${line.text}`;
  return `R${line.newLine ?? 0}   ${line.text}`;
}

/** The lean rendering before every line was numbered: added lines only ("12+text"), the rest as in the patch. */
function leanLine(line: DiffLine): string {
  if (line.kind === 'add') return `${line.newLine ?? 0}+${line.text}`;
  return `${line.kind === 'del' ? '-' : ' '}${line.text}`;
}

/** The lean rendering's hunk: its header, its long deleted runs cut to their first 12 and last 4 lines. */
function leanHunk(hunk: Hunk): string {
  const out = [hunk.header];
  let run: DiffLine[] = [];
  const flush = (): void => {
    if (run.length > 24)
      out.push(
        ...run.slice(0, 12).map(leanLine),
        `-… (${run.length - 16} more deleted lines not shown)`,
        ...run.slice(-4).map(leanLine),
      );
    else out.push(...run.map(leanLine));
    run = [];
  };
  for (const line of hunk.lines) {
    if (line.kind === 'del') run.push(line);
    else {
      flush();
      out.push(leanLine(line));
    }
  }
  flush();
  return out.join('\n');
}

const unnumbered = (line: DiffLine): string =>
  `${line.kind === 'add' ? '+' : line.kind === 'del' ? '-' : ' '}${line.text}`;

export interface RenderingFigures {
  rawTokens: number;
  taggedTokens: number;
  leanTokens: number;
  /** The parts as the requests show them: every line numbered, removed blocks whole within each part's budget. */
  sentTokens: number;
  /** Every line, no block shortened: with the numbers and short headings, and as the patch shows them. */
  numberedTokens: number;
  plainTokens: number;
}

/** Tokens of the reviewable files as GitHub sends the patch, as earlier renderings showed it, and as the prompt shows it now. */
export function renderingFigures(plan: ReviewPlan, count: (text: string) => number): RenderingFigures {
  const f = { rawTokens: 0, taggedTokens: 0, leanTokens: 0, numberedTokens: 0, plainTokens: 0 };
  for (const file of plan.reviewable) {
    const raw = plan.pr.files.find((c) => c.filename === file.path)?.patch ?? '';
    const head = `## ${file.path} (${file.status})`;
    const shown = (hunk: (h: Hunk) => string): number => count([head, ...file.hunks.map(hunk)].join('\n'));
    f.rawTokens += count(`diff --git a/${file.path} b/${file.path}\n${raw}`);
    f.taggedTokens += shown((h) => [h.header, ...h.lines.map(taggedLine)].join('\n'));
    f.leanTokens += shown(leanHunk);
    f.numberedTokens += shown((h) => renderHunk(h));
    f.plainTokens += shown((h) => [h.header, ...h.lines.map(unnumbered)].join('\n'));
  }
  const sentTokens = plan.chunks.reduce((n, chunk) => n + count(renderChunk(chunk)), 0);
  return { ...f, sentTokens };
}

interface Target {
  path: string;
  side: 'LEFT' | 'RIGHT';
  line: number;
  text: string;
  numbered: boolean;
}

/**
 * The lines a reviewer reading the prompt would point at: every `every`-th diff line shown, with the number
 * the rendering gives it (every line carries one).
 */
export function targetsIn(text: string, every: number): Target[] {
  const targets: Target[] = [];
  let path = '';
  let seen = 0;
  for (const line of text.split('\n')) {
    const header = /^## (\S+) \(/.exec(line);
    const shown = /^(\d+)([+ -])(.*)$/.exec(line);
    if (header) path = header[1] ?? '';
    if (!shown) continue;
    const side = shown[2] === '-' ? 'LEFT' : 'RIGHT';
    const target: Target = { path, side, line: Number(shown[1]), text: shown[3] ?? '', numbered: true };
    if (target.text.trim().length > 0 && ++seen % every === 0) targets.push(target);
  }
  return targets;
}

export interface PlacementFigures {
  findings: number;
  /** Share placed on the intended line with the quote. */
  withQuote: number;
  /** Share placed on the intended line from the number alone. */
  numberOnly: number;
  /** Share whose reported number was off (what a miscounting reviewer does on unnumbered lines). */
  miscounted: number;
}

/**
 * Placement accuracy: a reviewer who reads added lines' numbers right but miscounts the unnumbered ones
 * (context and deleted lines) by up to 2 lines half the time, and quotes the line it means.
 */
export function placementFigures(plan: ReviewPlan, seed = 7): PlacementFigures {
  const next = seededRandom(seed);
  const comments: RawComment[] = [];
  const truth: Target[] = [];
  for (const chunk of plan.chunks) {
    for (const target of targetsIn(renderChunk(chunk), 25)) {
      const error = target.numbered || next() < 0.5 ? 0 : ([-2, -1, 1, 2][Math.floor(next() * 4)] ?? 1);
      truth.push(target);
      comments.push({
        path: target.path,
        line: Math.max(1, target.line + error),
        side: target.side,
        severity: 'medium',
        category: 'bug',
        title: `Target ${truth.length}`,
        body: 'x',
        quote: target.text,
      });
    }
  }
  const hits = (files: readonly FileDiff[], list: RawComment[]): number =>
    placeComments(list, files).filter((f, i) => {
      const meant = truth[i];
      return f.anchor === 'line' && f.side === meant?.side && f.line === meant.line;
    }).length;
  const n = comments.length;
  const unquoted = comments.map((c) => {
    const copy = { ...c };
    delete copy.quote;
    return copy;
  });
  return {
    findings: n,
    withQuote: hits(plan.reviewable, comments) / n,
    numberOnly: hits(plan.reviewable, unquoted) / n,
    miscounted: comments.filter((c, i) => c.line !== truth[i]?.line).length / n,
  };
}
