// @tapkit/mastercard: the Mastercard counterpart — token service, network, clearing. The SDK does not
// import this: the token service's SDK contract is `@tapkit/protocol/wire/token-service`. Sections per part; add yours, keep the others.

// ---- Storage (shared by the parts of this package) ----
export { type DbHandle, type Engine, type OpenDatabaseOptions, openDatabase } from './adapters/db/open.ts';
// ---- Network, clearing, expiry ----
export * from './clearing/index.ts';
// ---- The counterpart's composition root ----
export * from './compose.ts';
export * from './expiry/index.ts';
export * from './network/index.ts';
export * from './ports.ts';
export { SDK_PROXY_PATH, TOKENS_PATH } from './token-service/adapters/http.ts';
// ---- Token service ----
export { buildTokenServiceApp, type TokenServiceApp, type TokenServiceAppDeps } from './token-service/app.ts';
export { cardProfileOf } from './token-service/domain/card-profile.ts';
export { isLuhnValid, luhnCheckDigit, maskPan, TOKEN_BIN } from './token-service/domain/luhn.ts';
export { type SuspendReason, type TokenStatus, transition } from './token-service/domain/token-state.ts';
export * from './token-service/issuer-api.ts';
export type {
  AuthorizeServiceInput,
  AuthorizeServiceOutcome,
  IssuerApproval,
  IssuerDecision,
  TokenUpdate,
  TokenUpdateNotifier,
} from './token-service/ports.ts';
export {
  TOKEN_SERVICE_CONFIG_DEFAULT,
  TokenService,
  type TokenServiceConfig,
  type TokenView,
} from './token-service/service.ts';
export * from './wire/tokens-api.ts';
