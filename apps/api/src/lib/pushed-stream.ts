import { Readable } from 'node:stream';
import { codedError } from '@distillery/db';

/** Thrown into a producer whose reader went away (the client closed the connection). */
export class StreamClosedError extends codedError('STREAM_CLOSED') {
  constructor() {
    super('the reader closed the stream');
  }
}

/**
 * A text stream fed by a producer that waits for its reader: `write` resolves once the reader wants more (so
 * the producer, e.g. a database cursor, goes no faster than the client reads and memory stays flat), and rejects
 * with StreamClosedError once the reader is gone (so the producer stops and releases what it holds).
 */
export class PushedStream extends Readable {
  private wake: (() => void) | undefined;
  private gone = false;

  /**
   * @param highWaterMark characters held for the reader before `write` waits.
   * @defaultValue 64 KiB
   */
  constructor(highWaterMark = 64 * 1024) {
    // Text in, text out: with an encoding, pushed strings reach the reader as they are instead of copied into a
    // Buffer each.
    super({ highWaterMark, encoding: 'utf8' });
    this.once('close', () => {
      this.gone = true;
      this.wake?.();
    });
  }

  override _read(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async write(text: string): Promise<void> {
    if (this.gone) throw new StreamClosedError();
    if (text === '' || this.push(text)) return;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    if (this.gone) throw new StreamClosedError();
  }

  /** No more text: the reader sees the end once it has read what was written. */
  finish(): void {
    if (!this.gone) this.push(null);
  }
}
