export * from './api-error.ts';
export * from './error-codes.ts';
export * from './http-errors.ts';
