import {
  type ClearingFileDelivery,
  createMastercard,
  type Mastercard,
  type NetworkLogger,
} from '@tapkit/mastercard';
import type { Clock } from '@tapkit/protocol';
import type { SystemJournal } from './journal.ts';
import type { SystemKeys } from './keys.ts';
import { SYSTEM_HOST } from './port-plan.ts';

// The Mastercard counterpart as `tapkit up` runs it: @tapkit/mastercard's createMastercard with the
// system's keys, ports and journal.

export { MASTERCARD_CLIENT_ID, NETWORK_ISSUER_TIMEOUT_MS } from '@tapkit/mastercard';

export type MastercardParty = Mastercard;

export interface StartMastercardOptions {
  readonly dbUrl: string;
  /** PostgreSQL: the schema of the token service and network tables (created if missing). */
  readonly dbSchema?: string;
  readonly clock: Clock;
  readonly keys: SystemKeys;
  readonly tokenServicePort: number;
  readonly acquirerPort: number;
  readonly issuerPort: number;
  /** Default: loopback (one process). */
  readonly issuerHost?: string;
  readonly alipayPlusUrl: string;
  readonly provisioningDelayMs: { minMs: number; maxMs: number };
  readonly clearingDir: string;
  readonly delivery: ClearingFileDelivery;
  readonly journal: SystemJournal;
  readonly logger: NetworkLogger;
  /** Start only once the issuer link signed on (one process: the issuer is up); false keeps retrying. */
  readonly requireIssuer?: boolean;
}

export function startMastercard(options: StartMastercardOptions): Promise<MastercardParty> {
  const { keys } = options;
  return createMastercard({
    db: options.dbUrl,
    ...(options.dbSchema === undefined ? {} : { dbSchema: options.dbSchema }),
    clock: options.clock,
    host: SYSTEM_HOST,
    tokenServicePort: options.tokenServicePort,
    acquirerPort: options.acquirerPort,
    issuer: { host: options.issuerHost ?? SYSTEM_HOST, port: options.issuerPort },
    alipayPlus: { url: options.alipayPlusUrl, verifyKey: keys.alipayPlus.publicKey },
    signingKey: keys.mastercard.privateKey,
    imk: keys.imk,
    encryptionKeyPem: keys.tokenServiceEncryptionPem,
    mppBearerSecret: keys.mppTokenServiceSecret,
    antBearerSecret: keys.antTokenServiceSecret,
    provisioningDelayMs: options.provisioningDelayMs,
    clearingDir: options.clearingDir,
    delivery: options.delivery,
    logger: options.logger,
    onEvent: (event) => options.journal.add({ ...event, party: 'MASTERCARD' }),
    ...(options.requireIssuer === undefined ? {} : { requireIssuer: options.requireIssuer }),
  });
}
