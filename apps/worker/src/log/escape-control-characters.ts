/**
 * C0 and C1 control characters, DEL, and the Unicode line and paragraph separators: whatever a terminal or a
 * log collector may take for a line break, a cursor move or a colour.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * `text` with every control character written as a visible escape (`\n`, `\r`, `\t`, else `\u001b`), so text
 * that carries user input (a data path, a loader's message) stays one line and cannot forge log lines.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (c) => {
    switch (c) {
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
  });
}
