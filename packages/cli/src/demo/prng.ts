// A small seeded pseudo-random generator (sfc32, seeded through splitmix32) so that `tapkit demo --seed N`
// draws the same amounts, ids and unpredictable numbers on every run. Not for keys: the parties keep
// their own cryptographic randomness; this only feeds what the demo chooses.

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    let state = seed >>> 0;
    const next = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // The first outputs of sfc32 still show the seed; discarding a few mixes it in.
    for (let round = 0; round < 12; round++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** An integer in [minInclusive, maxInclusive]; the span stays far below 2^32 in the demo. */
  int(minInclusive: number, maxInclusive: number): number {
    const span = maxInclusive - minInclusive + 1;
    return minInclusive + (this.nextUint32() % span);
  }

  /** An amount in minor units in [minMinor, maxMinor] (bigint: money is never a number). */
  amountMinor(minMinor: bigint, maxMinor: bigint): bigint {
    const span = maxMinor - minMinor + 1n;
    const draw = (BigInt(this.nextUint32()) << 32n) | BigInt(this.nextUint32());
    return minMinor + (draw % span);
  }

  bytes(lengthBytes: number): Uint8Array {
    const out = new Uint8Array(lengthBytes);
    for (let i = 0; i < lengthBytes; i++) out[i] = this.nextUint32() & 0xff;
    return out;
  }

  /** A lowercase hex id of `lengthChars` characters. */
  hexId(lengthChars: number): string {
    let text = '';
    for (let i = 0; i < lengthChars; i++) text += (this.nextUint32() & 0xf).toString(16);
    return text;
  }
}
