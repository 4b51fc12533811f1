import { type AlipayPlus, createAlipayPlus, type IssuerLogger } from '@tapkit/alipayplus';
import type { Clock } from '@tapkit/protocol';
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import type { FastifyServerOptions } from 'fastify';
import type { SystemKeys } from './keys.ts';
import { MASTERCARD_CLIENT_ID } from './mastercard.ts';
import { SYSTEM_HOST } from './port-plan.ts';

// The Alipay+ counterpart as `tapkit up` runs it: @tapkit/alipayplus's createAlipayPlus with the system's
// keys and ports, configured with the one MPP of the system.

/**
 * The Ant server's remote configuration for the system's MPP (`nfc_issue_config`, tapkit values): the
 * SDK's activation polling by mode. Normal: the SDK's own defaults, 30 polls 2 s apart cover the 20-30 s
 * provisioning; fast: 200 ms apart for the 1-2 s one.
 */
export const NFC_ISSUE_CONFIGS = {
  normal: { applyTokenTimes: 30, applyTokenInterval: 2_000, activateTimes: 10, activateInterval: 1_000 },
  fast: { applyTokenTimes: 200, applyTokenInterval: 200, activateTimes: 100, activateInterval: 200 },
} as const;

export type AlipayPlusParty = AlipayPlus;

export interface StartAlipayPlusOptions {
  readonly antDbUrl: string;
  readonly issuerDbUrl: string;
  /** PostgreSQL: the Ant server's schema (created if missing); SQLite ignores it. */
  readonly antDbSchema?: string;
  /** PostgreSQL: the issuer processor's schema (created if missing); SQLite ignores it. */
  readonly issuerDbSchema?: string;
  readonly clock: Clock;
  readonly keys: SystemKeys;
  readonly httpPort: number;
  readonly issuerPort: number;
  readonly mppClientId: string;
  readonly mppUrl: string;
  /** The MPP's remote configuration the SDK reads on connect (`nfc_issue_config`). */
  readonly nfcIssueConfig: NfcIssueConfig;
  readonly tokenServiceUrl: string;
  readonly logger: IssuerLogger;
  readonly fastify: FastifyServerOptions;
}

export function startAlipayPlus(options: StartAlipayPlusOptions): Promise<AlipayPlusParty> {
  const { keys } = options;
  return createAlipayPlus({
    antDbUrl: options.antDbUrl,
    issuerDbUrl: options.issuerDbUrl,
    ...(options.antDbSchema === undefined ? {} : { antDbSchema: options.antDbSchema }),
    ...(options.issuerDbSchema === undefined ? {} : { issuerDbSchema: options.issuerDbSchema }),
    clock: options.clock,
    signingKey: { key: keys.alipayPlus.privateKey, keyVersion: '1' },
    host: SYSTEM_HOST,
    httpPort: options.httpPort,
    issuerPort: options.issuerPort,
    mpp: {
      clientId: options.mppClientId,
      url: options.mppUrl,
      verifyKey: keys.mpp.publicKey,
      nfcIssueConfig: options.nfcIssueConfig,
    },
    tokenService: {
      clientId: MASTERCARD_CLIENT_ID,
      url: options.tokenServiceUrl,
      verifyKey: keys.mastercard.publicKey,
      bearerSecret: keys.antTokenServiceSecret,
    },
    logger: options.logger,
    fastify: options.fastify,
  });
}
