// @tapkit/sdk: the Alipay+ NFC SDK in TypeScript (docs/protocol/sdk.md). Isomorphic: nothing reachable from here
// imports node:*; the Node adapters are under "@tapkit/sdk/node".
export { createIndexedDbStorage, IndexedDbSecureStorage } from './adapters/indexeddb-storage.ts';
export { MemoryKeyStore, MemorySecureStorage } from './adapters/memory-storage.ts';
export { CUSTOM_DATA_CHARS_MAX } from './card/card-service.ts';
export { POSCII_SEE_PHONE } from './card/generate-ac.ts';
export { APPLICATION_CURRENCY_CODE, CARD_PDOL } from './card/profile.ts';
export { SDK_CONFIG_DEFAULT, type SdkConfig, type SdkConfigInput } from './config.ts';
export { PAYMENT_STATUS, type PaymentStatus } from './domain/status.ts';
export { TRANSIT_MCCS } from './domain/transaction.ts';
export { isSdkError, SDK_RESULT_CODES, SdkError, type SdkResultCode, type SdkResultName } from './errors.ts';
export type { ActivatePaymentOptions, ActivationProgress } from './lifecycle/activation.ts';
export { PHASE_PERCENT } from './lifecycle/activation.ts';
export type * from './ports.ts';
export { DOCUMENTED_REQUEST_TYPES, TAPKIT_REQUEST_TYPES } from './ports.ts';
export {
  createNfcSdk,
  type InitOptions,
  NfcSdk,
  type NfcSdkOptions,
  type PaymentAvailability,
  platformClock,
  platformRandom,
} from './sdk.ts';
export { StorageCorruptedError } from './storage/encrypted-store.ts';
export { ACTIVATION_PHASES, type ActivationPhase } from './storage/records.ts';
export { SDK_VERSION } from './wire/request-header.ts';
