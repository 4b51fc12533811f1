// The records the SDK keeps per user, their schemas (checked on every read: a record that does not
// parse means broken storage, status -3) and their names.
import { NfcIssueConfigSchema } from '@tapkit/protocol/wire/ant-sdk';
import { CardProfileSchema } from '@tapkit/protocol/wire/token-service';
import * as z from 'zod';

/** The phases of an activation, in order. */
export const ACTIVATION_PHASES = [
  'REGISTER_DEVICE',
  'APPLY_TOKEN',
  'WAIT_APPROVAL',
  'PROVISION',
  'STORE',
  'NOTIFY_RESULT',
  'DONE',
] as const;
/** One of ACTIVATION_PHASES. */
export type ActivationPhase = (typeof ACTIVATION_PHASES)[number];

const AtcSchema = z.int().min(1).max(0xffff);
const IdSchema = z.string().min(1).max(64);

/** An activation that has started and not finished; `phase` is the next phase to run. */
export const ActivationRecordSchema = z.object({
  phase: z.enum(ACTIVATION_PHASES),
  silent: z.boolean(),
  taskId: IdSchema.optional(),
  tokenUniqueReference: IdSchema.optional(),
  startedAtMs: z.number(),
});
export type ActivationRecord = z.infer<typeof ActivationRecordSchema>;

/**
 * PREPARED: provisioned by a silent activation, waiting for the user (status 11). NEEDS_CONFIRMATION:
 * activated, the MPP asks for a secondary confirmation (21). ACTIVE: usable.
 */
export const TokenActivationSchema = z.enum(['PREPARED', 'NEEDS_CONFIRMATION', 'ACTIVE']);
export type TokenActivation = z.infer<typeof TokenActivationSchema>;

export const TokenRecordSchema = z.object({
  tokenUniqueReference: IdSchema,
  cardProfile: CardProfileSchema,
  activation: TokenActivationSchema,
  locked: z.boolean(),
});
export type TokenRecord = z.infer<typeof TokenRecordSchema>;

export const UserStateSchema = z.object({
  v: z.literal(1),
  deviceId: IdSchema.optional(),
  activation: ActivationRecordSchema.optional(),
  token: TokenRecordSchema.optional(),
});
export type UserState = z.infer<typeof UserStateSchema>;

export const StoredCredentialSchema = z.object({
  atc: AtcSchema,
  /** CVN 20 session key, upper-case hex (the record is encrypted at rest). */
  sessionKey: z.string().regex(/^[0-9A-F]{32}$/),
});
export type StoredCredential = z.infer<typeof StoredCredentialSchema>;

/**
 * The credentials of one token. `atcHighestUsed` only grows: a credential is usable only above it, so
 * an ATC is never used twice even if an older copy of the list came back. `usedAtcs` are spent and not
 * yet reported to the token service (REPLENISH reports them).
 */
export const WalletRecordSchema = z.object({
  tokenUniqueReference: IdSchema,
  credentials: z.array(StoredCredentialSchema).max(1000),
  usedAtcs: z.array(AtcSchema).max(1000),
  atcHighestUsed: z.int().min(0).max(0xffff),
});
export type WalletRecord = z.infer<typeof WalletRecordSchema>;

function userKey(userId: string): string {
  let hex = '';
  for (const byte of new TextEncoder().encode(userId)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** The last good remote configuration (one per device: it is the MPP's, not a user's). */
export const RemoteConfigRecordSchema = z.object({
  v: z.literal(1),
  config: NfcIssueConfigSchema,
  fetchedAtMs: z.number(),
});

export const recordNames = {
  state: (userId: string) => `user-${userKey(userId)}-state`,
  wallet: (userId: string) => `user-${userKey(userId)}-wallet`,
  remoteConfig: 'nfc-issue-config',
};

export const emptyUserState: UserState = { v: 1 };
