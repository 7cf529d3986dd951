import type { SweepWarning } from '@distillery/spec';

/** One `warning: …` line per warning of a plan or a submission, naming the variant's runs; '' when none. */
export function formatWarnings(warnings: readonly SweepWarning[] | undefined): string {
  return (warnings ?? []).map((w) => `warning: ${w.message} (runs ${w.runKeys.join(', ')})`).join('\n');
}
