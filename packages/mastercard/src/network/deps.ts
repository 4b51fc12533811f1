// The network's dependencies and configuration, and what its log lines may say: shared by the message
// handler (service.ts) and the reversal flow (reversal.ts), kept apart so neither imports the other.
import { type createEmvCrypto, getText, type Iso8583Message, maskPan } from '@tapkit/emv';
import type { Clock } from '@tapkit/protocol';
import type { AtcLedger, TokenDirectory } from '../ports.ts';
import type { AdviceSender } from './advice-sender.ts';
import type { NetworkLogger } from './logger.ts';
import type { AuthorizationLog, IssuerLink, NetworkEventListener, NetworkIds } from './ports.ts';

export type EmvCrypto = ReturnType<typeof createEmvCrypto>;

export interface NetworkConfig {
  /** How long the network waits for the issuer processor before standing in. */
  readonly issuerTimeoutMs: number;
  /** What the network answers for the issuer when it is silent or unreachable. */
  readonly standIn: 'APPROVE' | 'DECLINE';
  /** Stand-in approves only up to this amount (minor units); above it declines 91. */
  readonly standInAmountMaxMinor: bigint;
}

export const defaultNetworkConfig: NetworkConfig = {
  issuerTimeoutMs: 8_000,
  standIn: 'APPROVE',
  standInAmountMaxMinor: 100_000_000n,
};

export interface NetworkDeps {
  readonly tokens: TokenDirectory;
  readonly atcLedger: AtcLedger;
  readonly issuer: IssuerLink;
  readonly authorizations: AuthorizationLog;
  readonly advices: AdviceSender;
  readonly events: NetworkEventListener;
  readonly ids: NetworkIds;
  readonly clock: Clock;
  readonly crypto: EmvCrypto;
  readonly logger: NetworkLogger;
  readonly config: NetworkConfig;
}

/** What a log line may say about a message: never the PAN in clear, never DE55 or keys. */
export function logFieldsOf(message: Iso8583Message): Record<string, string | undefined> {
  const pan = getText(message, 2);
  return { mti: message.mti, stan: getText(message, 11), pan: pan === undefined ? undefined : maskPan(pan) };
}
