// @tapkit/alipayplus: the Alipay+ counterpart — the Ant server, the notifyPayment receiver, FX quotes, the
// issuer processor and the MPP conformance suite. Sections per part; add yours, keep the others.
// The SDK does not import this: it imports `@tapkit/protocol/wire/ant-sdk` only.

// ---- Ant server (src/ant) ----
export {
  ANT_MIGRATIONS,
  type AntDatabase,
  createKyselyAntStore,
  lookupTokenOwner,
  type TokenOwner,
} from './ant/adapters/db.ts';
export { MASTERCARD_TOKENS_PATH, MastercardTokensHttp } from './ant/adapters/mastercard-http.ts';
export type { AntToken } from './ant/domain/token.ts';
export * from './ant/issuer-wire.ts';
export type {
  AntStore,
  AuthorizationDecidedInput,
  MastercardOutcome,
  MastercardTokenManagement,
} from './ant/ports.ts';
export { type AntMppSettings, AntService } from './ant/service.ts';
export * from './app.ts';
// ---- MPP conformance suite (src/conformance) ----
export {
  CONFORMANCE_USAGE,
  type CommandIo,
  formatTable,
  type ReportTarget,
  reportTargets,
  runConformanceCommand,
} from './conformance/cli.ts';
export {
  type ConformanceReport,
  htmlReport,
  JSON_REPORT_SCHEMA_VERSION,
  jsonReport,
  junitReport,
  REPORTER_NAMES,
  type ReporterName,
  type ScenarioResult,
} from './conformance/report.ts';
export {
  ALL_ANSWERS_SIGNED,
  type ConformanceOptions,
  ConformanceSelectionError,
  chosenScenarios,
  FRESHNESS_PROBE_MS_DEFAULT,
  runConformance,
} from './conformance/run.ts';
export { type ConformanceRow, SCENARIOS } from './conformance/scenarios.ts';
export { scenarioId, selectScenarios } from './conformance/selection.ts';
export { adminApiSetup, type ConformanceSetup } from './conformance/setup.ts';
export * from './issuer/adapters/clearing-file.ts';
// ---- Issuer processor (src/issuer) ----
export { issuerMigrations } from './issuer/adapters/db/migrations.ts';
export type { IssuerDatabase } from './issuer/adapters/db/schema.ts';
export { AUTHORIZATIONS_PATH, authorizationJson, registerIssuerRoutes } from './issuer/adapters/http.ts';
export {
  GATEWAY_CONFIG_DEFAULT,
  type GatewayConfig,
  type MppEndpoint,
  SignedMppGateway,
  StaticMppRouter,
} from './issuer/adapters/mpp-gateway.ts';
export { BookPaymentKnowledge } from './issuer/adapters/payment-knowledge.ts';
export { IssuerTcpServer } from './issuer/adapters/tcp-server.ts';
export { type IngestOptions, type IngestResult, ingestClearingFile } from './issuer/clearing.ts';
export { ISSUER_CONFIG_DEFAULT, type IssuerConfig } from './issuer/config.ts';
export * as issuerConversion from './issuer/domain/conversion.ts';
export { FAULTS, type Fault, type FaultConfig, faultsFor } from './issuer/domain/faults.ts';
export { de39Of, INQUIRY_DELAYS_MS } from './issuer/domain/outcome.ts';
export type {
  AuthorizationDecided,
  AuthorizationDecidedListener,
  AuthorizationRecord,
  IssuerLogger,
  MppGateway,
  MppRouter,
} from './issuer/ports.ts';
export { IssuerProcessor } from './issuer/processor.ts';
// ---- notifyPayment receiver (src/notify) ----
export { type CancelIdentity, signedCanceller } from './notify/canceller.ts';
export { createKyselyNotifyStore, NOTIFY_MIGRATIONS, type NotifyDatabase } from './notify/db.ts';
export type {
  CancelOutcome,
  KnownPayment,
  KnownPaymentStatus,
  MppCanceller,
  MppOutcomeNews,
  NotifyReceipt,
  PaymentKnowledge,
} from './notify/ports.ts';
export { CANCEL_RETRY_DELAYS_MS, NotifyReceiver } from './notify/receiver.ts';
// ---- FX quotes (src/quotes) ----
export * from './quotes/quotes.ts';
