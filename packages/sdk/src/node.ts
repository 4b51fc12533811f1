// @tapkit/sdk/node: the Node-only adapters (files, node:crypto DES). Browser and React Native bundles
// import "@tapkit/sdk" only and never pull node:* modules in.
export { nodeBlockCipher } from '@tapkit/emv/node-crypto';
export {
  createNodeFileStorage,
  NodeFileKeyStore,
  NodeFileSecureStorage,
} from './adapters/node-file-storage.ts';
