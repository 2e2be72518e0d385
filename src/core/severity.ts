export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

export const CATEGORIES = ['security', 'bug', 'performance', 'maintainability', 'style', 'tests'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** 0 for critical, up to 4 for info: sorts the most severe first. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

/** True when `severity` is `min` or more severe. */
export function atLeast(severity: Severity, min: Severity): boolean {
  return severityRank(severity) <= severityRank(min);
}

/** The items, the most severe first; equals keep their order (the sort is stable). */
export function mostSevereFirst<T extends { severity: Severity }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
}

export type Category = (typeof CATEGORIES)[number];
