export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

export const CATEGORIES = ['security', 'bug', 'performance', 'maintainability', 'style', 'tests'] as const;

export type Severity = (typeof SEVERITIES)[number];

/** 0 for critical, up to 4 for info: sorts the most severe first. */
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export type Category = (typeof CATEGORIES)[number];
