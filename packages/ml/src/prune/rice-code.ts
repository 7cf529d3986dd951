/**
 * Rice codes (Golomb codes with a power-of-two parameter) for non-negative integers: v is written as q = v >> b
 * one-bits, a zero-bit, then the b low bits of v (least significant first); bits fill bytes least significant
 * first, the last byte zero-padded. Geometric sources — SuRP's index draws — cost about log₂(mean) + 1.5 bits
 * a value with the best b.
 */
export function riceBits(values: ArrayLike<number>, b: number): number {
  let bits = 0;
  for (let i = 0; i < values.length; i++) bits += Math.floor((values[i] as number) / 2 ** b) + 1 + b;
  return bits;
}

/** The Rice parameter (0…24) that codes `values` in the fewest bits. */
export function bestRiceParameter(values: ArrayLike<number>): number {
  let best = 0;
  let bestBits = Number.POSITIVE_INFINITY;
  for (let b = 0; b <= 24; b++) {
    const bits = riceBits(values, b);
    if (bits < bestBits) {
      best = b;
      bestBits = bits;
    }
  }
  return best;
}

export class BitWriter {
  private bytes: number[] = [];
  private bit = 0;

  /** Bits written so far. */
  get length(): number {
    return this.bit;
  }

  writeBit(one: boolean): void {
    const byte = this.bit >>> 3;
    if (byte === this.bytes.length) this.bytes.push(0);
    if (one) this.bytes[byte] = (this.bytes[byte] as number) | (1 << (this.bit & 7));
    this.bit++;
  }

  writeRice(v: number, b: number): void {
    const q = Math.floor(v / 2 ** b);
    for (let i = 0; i < q; i++) this.writeBit(true);
    this.writeBit(false);
    for (let i = 0; i < b; i++) this.writeBit(Math.floor(v / 2 ** i) % 2 === 1);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export class BitReader {
  private bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Bits read so far. */
  get position(): number {
    return this.bit;
  }

  readBit(): boolean {
    const byte = this.bit >>> 3;
    if (byte >= this.bytes.length) throw new Error('the bit stream ends early');
    const one = (((this.bytes[byte] as number) >>> (this.bit & 7)) & 1) === 1;
    this.bit++;
    return one;
  }

  readRice(b: number): number {
    let q = 0;
    while (this.readBit()) q++;
    let r = 0;
    for (let i = 0; i < b; i++) if (this.readBit()) r += 2 ** i;
    return q * 2 ** b + r;
  }
}
