export * from './compare-configurations.ts';
export * from './comparison-side-row.ts';
export * from './configuration-row.ts';
export * from './configuration-sort.ts';
export * from './list-frontier-configurations.ts';
export * from './list-team-configurations.ts';
export * from './list-team-fact-rows.ts';
export * from './result-fact-filters.ts';
