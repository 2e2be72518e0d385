// Untrusted text in the prompt goes inside tagged data blocks; nothing in it may seem to end one or open another.

/** The tags of our data blocks: no text inside one may open or close any of them. */
const DATA_TAGS = new Set([
  'diff',
  'diff_hunk',
  'pull_request',
  'code_context',
  'candidate_findings',
  'part_summaries',
  'question',
  'review_comment',
  'past_findings',
  'learnings_file',
  'declined_rules',
]);

/** A tag-like run: an angle bracket or a look-alike of one, an optional slash (or look-alike), a name. */
const TAG_LIKE =
  /([<\u2039\u3008\u27e8\u276e\u02c2\u1438\ufe64\uff1c])(\s*[/\u2044\u2215\uff0f]?\s*)([\p{L}\p{M}_\uff3f]{1,40})/gu;

/** Letters of other scripts that read as the Latin ones of our tag names (Cyrillic, Greek, Armenian). */
const LOOK_ALIKE_LETTERS: Record<string, string> = {
  а: 'a',
  с: 'c',
  ԁ: 'd',
  е: 'e',
  ғ: 'f',
  һ: 'h',
  і: 'i',
  ј: 'j',
  к: 'k',
  ӏ: 'l',
  м: 'm',
  п: 'n',
  о: 'o',
  р: 'p',
  ԛ: 'q',
  г: 'r',
  ѕ: 's',
  т: 't',
  ս: 'u',
  ν: 'v',
  ԝ: 'w',
  х: 'x',
  у: 'y',
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
};

/** A name as it reads: compatibility forms folded (full-width letters), marks dropped, look-alikes made Latin. */
function skeleton(name: string): string {
  return Array.from(
    name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase(),
    (c) => LOOK_ALIKE_LETTERS[c] ?? c,
  ).join('');
}

/**
 * Untrusted text inside a tagged block: no tag in it, nor a look-alike of one (‹/diff>, Cyrillic letters,
 * full-width brackets), can seem to end the block early or open another: a zero-width space follows the
 * bracket of each.
 */
export function dataBlock(tag: string, text: string): string {
  const inert = text.replace(TAG_LIKE, (m, bracket: string, slash: string, name: string) => {
    const reads = skeleton(name);
    return DATA_TAGS.has(reads) || reads === tag ? `${bracket}\u200b${slash}${name}` : m;
  });
  return `<${tag}>\n${inert}\n</${tag}>`;
}
