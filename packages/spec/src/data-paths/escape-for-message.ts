/**
 * A user-supplied string (a data path, a file name) as it may appear in an error message or a log line: quoted,
 * with control characters, quotes, backslashes and Unicode line separators escaped, so a value can never start a
 * forged line in a plain-text log or a terminal escape sequence.
 */
export function escapeForMessage(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
