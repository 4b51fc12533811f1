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

// ---- Issuer processor (src/issuer) ----
export {
  openIssuerDatabase,
  type RunningIssuer,
  type StartIssuerOptions,
  startIssuerProcessor,
} from './issuer/compose.ts';
