import { desJsBlockCipher } from '../src/adapters/desjs.ts';
import { nodeBlockCipher } from '../src/adapters/node-crypto.ts';
import type { BlockCipher } from '../src/ports.ts';

/** Every test that touches crypto runs once per adapter. */
export const ciphers: ReadonlyArray<readonly [string, BlockCipher]> = [
  ['node:crypto', nodeBlockCipher],
  ['des.js', desJsBlockCipher],
];
