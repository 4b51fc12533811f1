import type { Clock, Random } from '../ports.ts';

// Clock and Random from what both browsers and Node 20 provide (setTimeout, Web Crypto), so the
// terminal needs no node: import to run.

export const webCryptoRandom: Random = {
  bytes(lengthBytes: number): Uint8Array {
    const out = new Uint8Array(lengthBytes);
    globalThis.crypto.getRandomValues(out);
    return out;
  },
};

export const platformClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};
