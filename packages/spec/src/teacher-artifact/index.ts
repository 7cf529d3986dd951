export * from './read-teacher-artifact.ts';
export * from './teacher-artifact-error.ts';
export * from './teacher-artifact-facts.ts';
export * from './teacher-artifact-issues.ts';
export * from './tfjs-model-json.ts';
