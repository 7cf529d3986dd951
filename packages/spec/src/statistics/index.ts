export * from './comparison-verdict.ts';
export * from './confidence-interval.ts';
export * from './describe-sample.ts';
export * from './paired-comparison.ts';
export * from './replicate-agreement.ts';
export * from './statistics-error.ts';
