// Composition roots of the Alipay+ counterpart, one section per part. Add yours, keep the others.

// ---- Ant server + notifyPayment receiver (src/ant, src/notify) ----
export {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  type AntServerOptions,
  buildAntServerApp,
  CANCEL_IDENTITY_DEFAULT,
  type MppPeerConfig,
  type TokenServicePeerConfig,
} from './ant/app.ts';
// ---- The whole counterpart (issuer processor + Ant server) ----
export { type AlipayPlus, type AlipayPlusConfig, createAlipayPlus } from './compose.ts';
// ---- Issuer processor (src/issuer) ----
export {
  openIssuerDatabase,
  type RunningIssuer,
  type StartIssuerOptions,
  startIssuerProcessor,
} from './issuer/compose.ts';
