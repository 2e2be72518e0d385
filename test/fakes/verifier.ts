// The second look as a model that follows its instructions gives it: for each candidate finding of a
// submit_verdicts request, a verdict citing the line the finding names, copied from the diff or code context
// the request shows. Whether a finding is real is the judge's call (by default every finding is).

/** A candidate finding as the request lists it. */
export interface Candidate {
  index: number;
  path: string;
  line: number;
  side: 'LEFT' | 'RIGHT';
  title: string;
  body: string;
}

/** What the judge says of one finding, given the text of the line it names (undefined: not shown). */
export type Judge = (candidate: Candidate, lineText: string | undefined) => { real: boolean; confidence: number };

export const TRUST_ALL: Judge = () => ({ real: true, confidence: 90 });

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

/** The submit_verdicts input for a verify request: one verdict a candidate, citing its line. */
export function fakeVerdicts(text: string, judge: Judge = TRUST_ALL): { verdicts: unknown[] } {
  return {
    verdicts: candidatesOf(text).map((c) => {
      const lineText = shownLine(text, c.path, c.line, c.side);
      const { real, confidence } = judge(c, lineText);
      return {
        finding: c.index,
        real,
        confidence,
        line: c.line,
        quote: lineText ?? '',
        reason: real ? 'The line does what the finding says.' : 'The line does not do what the finding says.',
      };
    }),
  };
}
