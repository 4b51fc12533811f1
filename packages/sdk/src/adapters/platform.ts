// The default Clock and Random for apps that pass none: wall-clock time and Web Crypto randomness.
// Isomorphic (setTimeout and globalThis.crypto exist in browsers, React Native with a Web Crypto
// polyfill, and Node 20).
import type { Clock, Random } from '../ports.ts';

/** The wall clock, with setTimeout timers. */
export const platformClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Web Crypto's getRandomValues. */
export const platformRandom: Random = {
  bytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
};

/**
 * (tapkit) The platform name in the SDK's request header: react-native (navigator.product says so),
 * node (the versions of the Node process), else web. Read once; an app may pass its own name instead.
 */
export function detectPlatform(): string {
  const scope = globalThis as {
    navigator?: { product?: string };
    process?: { versions?: { node?: string } };
  };
  if (scope.navigator?.product === 'ReactNative') return 'react-native';
  if (typeof scope.process?.versions?.node === 'string') return 'node';
  return 'web';
}
