/**
 * While a command follows a sweep, Ctrl-C stops following, not the sweep (it runs on the server): say so, and
 * how to follow it again or cancel it, then exit 130 (interrupted). Returns the function that removes the
 * handler once following ends.
 */
export function explainWatchInterrupt(sweepId: string): () => void {
  const onInterrupt = () => {
    console.error(
      `\nstopped watching; sweep ${sweepId} keeps running.\n` +
        `  watch again: distillery sweep watch ${sweepId}\n` +
        `  cancel it:   distillery sweep cancel ${sweepId}`,
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  return () => process.off('SIGINT', onInterrupt);
}
