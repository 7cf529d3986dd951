/**
 * `distillery results | head -1`: once the reader has what it wants it closes the pipe, and the next write to
 * stdout fails with EPIPE — an unhandled 'error' event, which Node turns into a stack trace. The reader closing
 * is not a failure of this command: stop quietly with status 0, as a command killed by SIGPIPE would stop.
 */
export function exitQuietlyWhenStdoutCloses(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
