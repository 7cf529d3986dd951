export * from './confine-data-path.ts';
export * from './data-roots.ts';
export * from './dataset-path-issue.ts';
export * from './escape-for-message.ts';
