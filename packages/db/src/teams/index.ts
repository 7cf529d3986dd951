export * from './api-key-secret.ts';
export * from './create-api-key.ts';
export * from './create-team.ts';
export * from './find-team-by-api-key.ts';
export * from './revoke-api-key.ts';
export * from './team-errors.ts';
