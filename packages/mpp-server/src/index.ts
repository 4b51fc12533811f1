// The MPP server: the wallet's backend. Public face for the CLI, the demo, the benchmark and tests.

// Operation, app and admin APIs, notify worker (helper "mpp-ops").
export { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './adapters/auth/password.ts';
export { seedUsers } from './adapters/auth/seed-users.ts';
export {
  type AccountBalance,
  checkInvariants,
  readAccount,
  readWalletBalances,
} from './adapters/db/ledger-repository.ts';
export { type DbHandle, type Engine, type OpenDatabaseOptions, openDatabase } from './adapters/db/open.ts';
export {
  type AttemptRecord,
  type ClaimedNotify,
  claimDue,
  completeNotify,
  openNotify,
  type PaymentNotice,
  readOutbox,
  readPaymentForNotify,
  recordAttempt,
  releaseClaims,
  rescheduleNotify,
} from './adapters/db/outbox-repository.ts';
export { findPayment, listCustomerPayments } from './adapters/db/payment-repository.ts';
export type { Database } from './adapters/db/schema.ts';
export { createTxRunner, runTx, type Tx, type TxRunner } from './adapters/db/transaction.ts';
export { type AdminRoutesDeps, registerAdminRoutes } from './adapters/http/admin-routes.ts';
export { type AppRoutesDeps, registerAppRoutes } from './adapters/http/app-routes.ts';
export { HTTP_ERRORS, type HttpErrorCode } from './adapters/http/http-errors.ts';
export {
  createNfcProxy,
  type NfcProxy,
  type NfcRequestType,
  TOKEN_SERVICE_SDK_PATH,
} from './adapters/http/nfc-proxy.ts';
export { counterIds, randomIds } from './adapters/ids.ts';
export { type BuildMppAppOptions, buildMppApp, type MppAppConfig } from './app.ts';
export {
  CONFIG_OPTIONS,
  type ConfigError,
  configTable,
  type LoadConfigInput,
  type LoadedKeys,
  loadConfig,
  loadKeys,
  type MppConfig,
} from './config.ts';
export * from './customers.ts';
export type { InvariantReport, InvariantViolation } from './domain/ledger.ts';
export type { Money } from './domain/money.ts';
export {
  NOTIFY_GIVE_UP_AFTER_MS,
  NOTIFY_RETRY_DELAYS_MS,
  nextNotifyAttempt,
} from './domain/notify-schedule.ts';
export type { LimitsByCurrency, PaymentLimits } from './domain/pay.ts';
export { NOTIFY_WORKER_DEFAULTS, NotifyWorker, type NotifyWorkerOptions } from './notify/notify-worker.ts';
export * from './payments.ts';
export type { Clock, ErrorSink, IdSource } from './ports.ts';
export { runMppServer } from './run.ts';
export {
  LOG_REDACT_PATHS,
  type MppServerHandle,
  type StartMppServerOptions,
  startMppServer,
} from './server.ts';
export * from './wire.ts';
