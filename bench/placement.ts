// Rendering and placement, measured on the benchmark's real pull requests: how many tokens the diff costs as
// the prompt shows it against the raw patch, and how often a finding lands on the line the reviewer meant
// when the reviewer miscounts the lines the prompt does not number.
import { seededRandom } from './random.js';
import type { DiffLine, FileDiff } from '../src/diff/diff.js';
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

export interface RenderingFigures {
  rawTokens: number;
  taggedTokens: number;
  leanTokens: number;
}

/** Tokens of the reviewable files as GitHub sends the patch, as the old tags showed it, and as the prompt shows it now. */
export function renderingFigures(plan: ReviewPlan, count: (text: string) => number): RenderingFigures {
  let rawTokens = 0;
  let taggedTokens = 0;
  for (const file of plan.reviewable) {
    const raw = plan.pr.files.find((f) => f.filename === file.path)?.patch ?? '';
    rawTokens += count(`diff --git a/${file.path} b/${file.path}\n${raw}`);
    taggedTokens += count(
      [
        `## ${file.path} (${file.status})`,
        ...file.hunks.map((h) => [h.header, ...h.lines.map(taggedLine)].join('\n')),
      ].join('\n'),
    );
  }
  const everything = { index: 0, files: plan.reviewable.map((file) => ({ file, hunks: file.hunks })), tokens: 0 };
  return { rawTokens, taggedTokens, leanTokens: count(renderChunk(everything)) };
}

interface Target {
  path: string;
  side: 'LEFT' | 'RIGHT';
  line: number;
  text: string;
  numbered: boolean;
}

/**
 * The lines a reviewer reading the prompt would point at: every `every`-th diff line shown, with its true
 * number worked out from the rendering alone (hunk headers, then counting), as a careful reader would.
 */
export function targetsIn(text: string, every: number): Target[] {
  const targets: Target[] = [];
  let path = '';
  let oldLine = 0;
  let newLine = 0;
  let seen = 0;
  for (const line of text.split('\n')) {
    const header = /^## (\S+) \(/.exec(line);
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)/.exec(line);
    const hidden = /^-… \((\d+) more deleted lines not shown\)$/.exec(line);
    const added = /^(\d+)\+(.*)$/.exec(line);
    let target: Target | undefined;
    if (header) path = header[1] ?? '';
    else if (hunk) [oldLine, newLine] = [Number(hunk[1]), Number(hunk[2])];
    else if (hidden) oldLine += Number(hidden[1]);
    else if (added) target = { path, side: 'RIGHT', line: newLine++, text: added[2] ?? '', numbered: true };
    else if (line.startsWith('-'))
      target = { path, side: 'LEFT', line: oldLine++, text: line.slice(1), numbered: false };
    else if (line.startsWith(' ')) {
      target = { path, side: 'RIGHT', line: newLine, text: line.slice(1), numbered: false };
      oldLine++;
      newLine++;
    }
    if (target && target.text.trim().length > 0 && ++seen % every === 0) targets.push(target);
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
