/** Codes of {@link StatisticsError}: which precondition a statistic's input broke. */
export const STATISTICS_ERROR_CODES = ['EMPTY_SAMPLE', 'NON_FINITE_VALUE'] as const;
export type StatisticsErrorCode = (typeof STATISTICS_ERROR_CODES)[number];

/** Input a statistic cannot be computed from; a programming error of the caller, never a client's. */
export class StatisticsError extends Error {
  override readonly name = 'StatisticsError';
  constructor(
    readonly code: StatisticsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function assertFinite(values: readonly number[], what: string): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new StatisticsError('NON_FINITE_VALUE', `${what}[${bad}] is ${values[bad]}, not a finite number`);
}
