// The second look as a model that follows its instructions gives it: for each candidate finding of a
// submit_verdicts request, a verdict (confirmed, refuted or unsure) citing the line the finding names, copied
// from the diff or code context the request shows, or the line the judge cites. Whether a finding is real is
// the judge's call (by default every finding is confirmed).

/** A candidate finding as the request lists it. */
export interface Candidate {
  index: number;
  path: string;
  line: number;
  side: 'LEFT' | 'RIGHT';
  title: string;
  body: string;
}

/** A verdict as the judge gives it; `cite` names another line than the finding's (a refutation's evidence). */
export interface Judgement {
  verdict: 'confirmed' | 'refuted' | 'unsure';
  confidence: number;
  cite?: { path?: string; line: number; quote: string };
  sameAs?: number;
}

/** What the judge says of one finding, given the text of the line it names (undefined: not shown). */
export type Judge = (candidate: Candidate, lineText: string | undefined) => Judgement;

export const TRUST_ALL: Judge = () => ({ verdict: 'confirmed', confidence: 90 });

/** The candidate findings of a verify request's user text. */
export function candidatesOf(text: string): Candidate[] {
  const block = /<candidate_findings>\n([\s\S]*?)\n<\/candidate_findings>/.exec(text)?.[1] ?? '';
  const out: Candidate[] = [];
  for (const entry of block.split(/\n\n(?=\[\d+\] )/)) {
    const head = /^\[(\d+)\] (.+?) line (\d+) \((LEFT|RIGHT)\), \w+ \w+: (.*)$/m.exec(entry);
    if (!head) continue;
    out.push({
      index: Number(head[1]),
      path: head[2] ?? '',
      line: Number(head[3]),
      side: head[4] as 'LEFT' | 'RIGHT',
      title: head[5] ?? '',
      body: entry.split('\n').slice(1).join('\n'),
    });
  }
  return out;
}

/** The text of a numbered line of the diff (by side) or of the code context, as the request shows it. */
export function shownLine(text: string, path: string, line: number, side: 'LEFT' | 'RIGHT'): string | undefined {
  let current = '';
  let inContext = false;
  for (const row of text.split('\n')) {
    const file = /^## (.+?) \(/.exec(row);
    const item = /^### (.+?):\d+-\d+ \(/.exec(row);
    if (file) [current, inContext] = [file[1] ?? '', false];
    else if (item) [current, inContext] = [item[1] ?? '', true];
    if (current !== path) continue;
    const m = inContext ? /^(\d+)\|(.*)$/.exec(row) : /^(\d+)([+ -])(.*)$/.exec(row);
    if (!m || Number(m[1]) !== line) continue;
    if (inContext) return side === 'RIGHT' ? (m[2] ?? '') : undefined;
    if ((m[2] === '-') === (side === 'LEFT')) return m[3] ?? '';
  }
  return undefined;
}

/** The submit_verdicts input for a verify request: one verdict a candidate, citing its line (or the judge's). */
export function fakeVerdicts(text: string, judge: Judge = TRUST_ALL): { verdicts: unknown[] } {
  return {
    verdicts: candidatesOf(text).map((c) => {
      const lineText = shownLine(text, c.path, c.line, c.side);
      const { verdict, confidence, cite, sameAs } = judge(c, lineText);
      return {
        finding: c.index,
        verdict,
        confidence,
        ...(cite?.path ? { path: cite.path } : {}),
        line: cite?.line ?? c.line,
        quote: cite?.quote ?? lineText ?? '',
        reason: `The code shown: ${verdict}.`,
        ...(sameAs !== undefined ? { same_as: sameAs } : {}),
      };
    }),
  };
}
