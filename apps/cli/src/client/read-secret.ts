import { createInterface } from 'node:readline/promises';

/**
 * Reads one line from stdin without showing it: on a terminal the prompt goes to stderr and the typed
 * characters are not echoed (raw mode; backspace edits, Ctrl-C stops, Enter ends); piped input
 * (`echo $KEY | distillery login`) is read as it comes, with no prompt.
 */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const rl = createInterface({ input: stdin, terminal: false });
    try {
      return (await rl.question('')).trim();
    } finally {
      rl.close();
    }
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return await new Promise<string>((resolve) => {
    let typed = '';
    const done = (value: string) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      resolve(value.trim());
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return done(typed);
        if (char === '\u0003') {
          process.stderr.write('\n');
          process.exit(130);
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
  });
}
