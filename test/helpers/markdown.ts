/** Mentions GitHub would make live: `@name` outside code blocks and spans, not preceded by a word character. */
export function liveMentions(markdown: string): string[] {
  const prose = markdown.replace(/(`{3,})[\s\S]*?\1/g, '').replace(/(`+)[^`]*?\1/g, '');
  return [...prose.matchAll(/(?:^|[^\w`])@([A-Za-z0-9][\w-]*)/g)].map((m) => m[1] ?? '');
}
