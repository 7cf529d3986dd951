export * from './export-results.ts';
export * from './import-results.ts';
export * from './transfer-errors.ts';
export * from './transfer-format.ts';
