// The token service's operations (MDES names): the application layer between the wire and the domain.
// Each operation reads what it needs, asks the pure domain rules, writes with compare-and-set, and
// answers a Result whose error codes are the wire catalog (../wire/codes.ts).
import type { BlockCipher } from '@tapkit/emv';
import { type Clock, err, ok, type Result } from '@tapkit/protocol';
import {
  type CardProfile,
  CREDENTIAL_BATCH_MAX,
  type Credential,
  type Envelope,
  importEncryptionPublicKey,
  openRegistration,
  type SuspendReason,
  type TokenServiceError,
  type TokenState,
  tokenServiceError,
} from '@tapkit/protocol/wire/token-service';
import { sealCredentials } from './credentials.ts';
import { cardProfileOf, expiryAfter, expiryFromYymm, TOKEN_PSN } from './domain/card-profile.ts';
import { tokenMasterKey } from './domain/keys.ts';
import { digitsFromRandomBytes, maskPan, TOKEN_ACCOUNT_DIGITS, tokenPanOf } from './domain/luhn.ts';
import {
  allocateAtcs,
  atcsOf,
  type DelayRangeMs,
  firstUnissuedAtc,
  PROVISIONING_DELAY_DEFAULT,
  provisioningDelayMs,
  type TaskStatus,
  taskStatusOf,
} from './domain/provisioning.ts';
import {
  canIssueCredentials,
  INACTIVE,
  suspendedByOf,
  type TokenCommand,
  type TokenStatus,
  transition,
} from './domain/token-state.ts';
import { NotificationRelay, RELAY_CONFIG_DEFAULT, type RelayConfig } from './notification-relay.ts';
import type {
  DeviceRecord,
  IssuerApproval,
  Logger,
  Random,
  StoredToken,
  TokenEventReason,
  TokenStore,
  TokenUpdate,
  TokenUpdateNotifier,
} from './ports.ts';

export interface TokenServiceConfig {
  /** The simulated issuer review between DIGITIZE and PROVISION; 20–30 s by default, 0 in tests. */
  provisioningDelay: DelayRangeMs;
  /**
   * Credentials per PROVISION / REPLENISH when the SDK does not ask for a number
   * (docs/protocol/sdk.md#credentials: 20).
   */
  credentialBatchSize: number;
  /** How long a GET_PUBLIC_KEY nonce stays usable for REGISTER_DEVICE. */
  nonceTtlMs: number;
  /** Retries of notifyTokenUpdated (see notification-relay.ts). */
  notificationRelay: Partial<RelayConfig>;
}

export const TOKEN_SERVICE_CONFIG_DEFAULT: TokenServiceConfig = {
  provisioningDelay: PROVISIONING_DELAY_DEFAULT,
  credentialBatchSize: 20,
  nonceTtlMs: 5 * 60_000,
  notificationRelay: RELAY_CONFIG_DEFAULT,
};

/** The token service's own RSA-OAEP key: devices seal their registration to it. */
export interface EncryptionKey {
  keyId: string;
  /** base64 DER SubjectPublicKeyInfo, handed out by GET_PUBLIC_KEY. */
  publicKeySpki: string;
  privateKey: CryptoKey;
}

export interface TokenServiceDeps {
  store: TokenStore;
  issuer: IssuerApproval;
  notifier: TokenUpdateNotifier;
  clock: Clock;
  random: Random;
  cipher: BlockCipher;
  /** The environment's issuer master key for application cryptograms (IMK-AC), 16 bytes. */
  imk: Uint8Array;
  encryptionKey: EncryptionKey;
  logger: Logger;
  config?: Partial<TokenServiceConfig>;
}

/** Bounds on retries: compare-and-set races and token PAN collisions. */
export const UPDATE_ATTEMPTS_MAX = 8;
export const PAN_ATTEMPTS_MAX = 8;
const NONCE_CLEANUP_BATCH_MAX = 100;

export type TsResult<T> = Result<T, TokenServiceError>;

export interface TokenView {
  tokenUniqueReference: string;
  state: TokenState;
  suspendedBy: readonly SuspendReason[];
}

export class TokenService {
  readonly config: TokenServiceConfig;
  private readonly relay: NotificationRelay;

  constructor(private readonly deps: TokenServiceDeps) {
    this.config = { ...TOKEN_SERVICE_CONFIG_DEFAULT, ...deps.config };
    this.relay = new NotificationRelay({
      store: deps.store,
      notifier: deps.notifier,
      clock: deps.clock,
      logger: deps.logger,
      config: this.config.notificationRelay,
    });
    const { provisioningDelay, credentialBatchSize } = this.config;
    if (!(provisioningDelay.minMs >= 0 && provisioningDelay.maxMs >= provisioningDelay.minMs)) {
      throw new RangeError('provisioningDelay: 0 <= minMs <= maxMs');
    }
    if (!(Number.isInteger(credentialBatchSize) && credentialBatchSize >= 1)) {
      throw new RangeError('credentialBatchSize must be a positive integer');
    }
    if (credentialBatchSize > CREDENTIAL_BATCH_MAX) {
      throw new RangeError(`credentialBatchSize must be at most ${CREDENTIAL_BATCH_MAX}`);
    }
    if (deps.imk.length !== 16) throw new RangeError('IMK-AC must be 16 bytes');
  }

  // ---- GET_PK ----

  async getPublicKey(
    customerId: string,
  ): Promise<
    TsResult<{ keyId: string; publicKey: string; registrationNonce: string; nonceExpiresAtMs: number }>
  > {
    const nowMs = this.deps.clock.nowMs();
    await this.deps.store.deleteExpiredNonces(nowMs, NONCE_CLEANUP_BATCH_MAX);
    const nonce = `n_${this.hex(16)}`;
    const expiresAtMs = nowMs + this.config.nonceTtlMs;
    await this.deps.store.insertNonce({ nonce, customerId, createdAtMs: nowMs, expiresAtMs });
    const { keyId, publicKeySpki } = this.deps.encryptionKey;
    return ok({ keyId, publicKey: publicKeySpki, registrationNonce: nonce, nonceExpiresAtMs: expiresAtMs });
  }

  async registerDevice(
    customerId: string,
    request: { keyId: string; registration: Envelope },
  ): Promise<TsResult<{ deviceId: string }>> {
    if (request.keyId !== this.deps.encryptionKey.keyId) return err(tokenServiceError('KEY_ID_UNKNOWN'));
    const opened = await openRegistration({
      privateKey: this.deps.encryptionKey.privateKey,
      envelope: request.registration,
    });
    if (!opened.ok) return err(tokenServiceError('REGISTRATION_INVALID', opened.error.message));
    const payload = opened.value;
    const deviceKey = await importEncryptionPublicKey(payload.devicePublicKey);
    if (!deviceKey.ok) return err(tokenServiceError('DEVICE_KEY_INVALID', deviceKey.error.message));
    const nowMs = this.deps.clock.nowMs();
    // The nonce is consumed only once everything else checked out, so a malformed retry does not burn it.
    if (!(await this.deps.store.consumeNonce({ nonce: payload.nonce, customerId, nowMs }))) {
      return err(tokenServiceError('REGISTRATION_NONCE_INVALID'));
    }
    const device: DeviceRecord = {
      deviceId: `dev_${this.hex(16)}`,
      customerId,
      publicKeySpki: payload.devicePublicKey,
      fingerprint: payload.deviceFingerprint,
      createdAtMs: nowMs,
    };
    await this.deps.store.insertDevice(device);
    this.deps.logger.info({ deviceId: device.deviceId }, 'device registered');
    return ok({ deviceId: device.deviceId });
  }

  // ---- APPLY ----

  /**
   * Digitizes a card for the device: asks the issuer, then creates the INACTIVE token. Idempotent per
   * device: a device that already has a live token gets that token's task again.
   */
  async digitize(
    customerId: string,
    request: { deviceId: string },
  ): Promise<TsResult<{ taskId: string; tokenUniqueReference: string }>> {
    const device = await this.ownedDevice(customerId, request.deviceId);
    if (!device.ok) return device;
    const existing = await this.deps.store.findLiveTokenByDevice(device.value.deviceId);
    if (existing !== undefined) return ok(taskOf(existing));
    const tokenUniqueReference = `DTKMC${this.hex(16).toUpperCase()}`;
    const outcome = await this.deps.issuer.authorizeService({
      requestId: `authz_${this.hex(16)}`,
      customerId,
      tokenUniqueReference,
      deviceInfo: { deviceId: device.value.deviceId, deviceFingerprint: device.value.fingerprint },
    });
    if (outcome.kind === 'unknown') {
      this.deps.logger.warn({ detail: outcome.detail }, 'authorizeService gave no answer');
      return err(tokenServiceError('ISSUER_UNAVAILABLE'));
    }
    if (outcome.decision === 'DECLINED') return err(tokenServiceError('ISSUER_DECLINED'));
    if (outcome.decision === 'REQUIRE_ADDITIONAL_AUTHENTICATION') {
      return err(tokenServiceError('ISSUER_ADDITIONAL_AUTHENTICATION_REQUIRED'));
    }
    return this.createToken(customerId, device.value, tokenUniqueReference);
  }

  private async createToken(
    customerId: string,
    device: DeviceRecord,
    tokenUniqueReference: string,
  ): Promise<TsResult<{ taskId: string; tokenUniqueReference: string }>> {
    const nowMs = this.deps.clock.nowMs();
    const delayMs = provisioningDelayMs(this.config.provisioningDelay, this.fraction());
    const taskId = `task_${this.hex(16)}`;
    for (let attempt = 1; attempt <= PAN_ATTEMPTS_MAX; attempt++) {
      const token: StoredToken = {
        tokenUniqueReference,
        tokenPan: this.newTokenPan(),
        psn: TOKEN_PSN,
        expiryYymm: expiryAfter(nowMs).yymm,
        customerId,
        deviceId: device.deviceId,
        taskId,
        status: INACTIVE,
        provisionReadyAtMs: nowMs + delayMs,
        atcLastIssued: 0,
        version: 1,
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
      };
      const inserted = await this.deps.store.insertToken(token);
      if (inserted === 'INSERTED') {
        this.deps.logger.info({ tokenUniqueReference, tokenPan: maskPan(token.tokenPan) }, 'token created');
        return ok(taskOf(token));
      }
      if (inserted === 'DEVICE_HAS_TOKEN') {
        // A concurrent DIGITIZE for the same device won; answer with its token.
        const winner = await this.deps.store.findLiveTokenByDevice(device.deviceId);
        if (winner !== undefined) return ok(taskOf(winner));
      }
    }
    this.deps.logger.error({ tokenUniqueReference }, 'no free token PAN after the attempt limit');
    return err(tokenServiceError('INTERNAL_ERROR', 'token PAN allocation failed'));
  }

  async getTaskStatus(
    customerId: string,
    request: { deviceId: string; taskId: string },
  ): Promise<TsResult<{ taskId: string; status: TaskStatus; retryAfterMs?: number }>> {
    const token = await this.tokenOfTask(customerId, request);
    if (!token.ok) return token;
    return ok({ taskId: request.taskId, ...taskStatusOf(stateFields(token.value), this.deps.clock.nowMs()) });
  }

  /**
   * The card profile and the first credentials. Allowed while the token is INACTIVE and the review is
   * over; a retry (the answer was lost) gets fresh credentials, the earlier ones are simply never used.
   */
  async provision(
    customerId: string,
    request: { deviceId: string; taskId: string },
  ): Promise<
    TsResult<{
      tokenUniqueReference: string;
      tokenState: TokenState;
      cardProfile: CardProfile;
      credentials: Credential[];
    }>
  > {
    const found = await this.tokenOfTask(customerId, request);
    if (!found.ok) return found;
    const token = found.value;
    if (token.status.state === 'DEACTIVATED') return err(tokenServiceError('TOKEN_DEACTIVATED'));
    if (token.status.state !== 'INACTIVE') return err(tokenServiceError('TOKEN_ALREADY_ACTIVE'));
    if (this.deps.clock.nowMs() < token.provisionReadyAtMs) return err(tokenServiceError('TASK_PENDING'));
    const issued = await this.issueCredentials(token, this.config.credentialBatchSize, (t) =>
      t.status.state === 'INACTIVE' ? ok(undefined) : err(tokenServiceError('TOKEN_ALREADY_ACTIVE')),
    );
    if (!issued.ok) return issued;
    const expiry = expiryFromYymm(token.expiryYymm);
    if (expiry === undefined) throw new Error(`stored token has a malformed expiry ${token.expiryYymm}`);
    return ok({
      tokenUniqueReference: token.tokenUniqueReference,
      tokenState: issued.value.token.status.state,
      cardProfile: cardProfileOf({ tokenPan: token.tokenPan, psn: token.psn, expiry }),
      credentials: issued.value.credentials,
    });
  }

  /** The SDK stored the token (SUCCESS: the token becomes ACTIVE) or gave up (FAILURE: DEACTIVATED). */
  async notifyProvisionResult(
    customerId: string,
    request: { deviceId: string; tokenUniqueReference: string; result: 'SUCCESS' | 'FAILURE' },
  ): Promise<TsResult<{ tokenUniqueReference: string; tokenState: TokenState }>> {
    const found = await this.ownedToken(customerId, request);
    if (!found.ok) return found;
    const state = found.value.status.state;
    const view = (t: StoredToken) => ({
      tokenUniqueReference: t.tokenUniqueReference,
      tokenState: t.status.state,
    });
    if (request.result === 'SUCCESS' && (state === 'ACTIVE' || state === 'SUSPENDED'))
      return ok(view(found.value));
    if (request.result === 'SUCCESS' && found.value.atcLastIssued === 0) {
      return err(tokenServiceError('TOKEN_NOT_ACTIVE', 'the token was never provisioned'));
    }
    if (request.result === 'FAILURE' && state !== 'INACTIVE') {
      return state === 'DEACTIVATED' ? ok(view(found.value)) : err(tokenServiceError('TOKEN_ALREADY_ACTIVE'));
    }
    const command: TokenCommand = request.result === 'SUCCESS' ? { kind: 'ACTIVATE' } : { kind: 'DELETE' };
    const changed = await this.applyCommand(found.value.tokenUniqueReference, command);
    if (!changed.ok) return changed;
    return ok({ tokenUniqueReference: changed.value.tokenUniqueReference, tokenState: changed.value.state });
  }

  // ---- REPLENISH ----

  async replenish(
    customerId: string,
    request: { deviceId: string; tokenUniqueReference: string; usedAtcs: readonly number[]; count?: number },
  ): Promise<TsResult<{ tokenUniqueReference: string; tokenState: TokenState; credentials: Credential[] }>> {
    const found = await this.ownedToken(customerId, request);
    if (!found.ok) return found;
    const allowed = canIssueCredentials(found.value.status);
    if (!allowed.ok) return err(tokenServiceError(allowed.error.code, allowed.error.message));
    const unissued = firstUnissuedAtc(request.usedAtcs, found.value.atcLastIssued);
    if (unissued !== undefined) {
      return err(tokenServiceError('ATC_NOT_ISSUED', `ATC ${unissued} was never issued for this token`));
    }
    const count = request.count ?? this.config.credentialBatchSize;
    const issued = await this.issueCredentials(found.value, count, (t) => {
      const check = canIssueCredentials(t.status);
      return check.ok ? ok(undefined) : err(tokenServiceError(check.error.code, check.error.message));
    });
    if (!issued.ok) return issued;
    this.deps.logger.info(
      { tokenUniqueReference: request.tokenUniqueReference, usedCount: request.usedAtcs.length, count },
      'credentials replenished',
    );
    return ok({
      tokenUniqueReference: found.value.tokenUniqueReference,
      tokenState: issued.value.token.status.state,
      credentials: issued.value.credentials,
    });
  }

  // ---- Ant server: suspend / unsuspend / delete ----

  suspend(tokenUniqueReference: string, reason: SuspendReason): Promise<TsResult<TokenView>> {
    return this.applyCommand(tokenUniqueReference, { kind: 'SUSPEND', reason });
  }

  unsuspend(tokenUniqueReference: string, reason: SuspendReason): Promise<TsResult<TokenView>> {
    return this.applyCommand(tokenUniqueReference, { kind: 'UNSUSPEND', reason });
  }

  delete(tokenUniqueReference: string): Promise<TsResult<TokenView>> {
    return this.applyCommand(tokenUniqueReference, { kind: 'DELETE' });
  }

  async getToken(tokenUniqueReference: string): Promise<TsResult<TokenView>> {
    const token = await this.deps.store.findToken(tokenUniqueReference);
    if (token === undefined) return err(tokenServiceError('TOKEN_NOT_FOUND'));
    return ok(viewOf(token));
  }

  /** Sends what an earlier run left in the notification outbox; call once at start-up. */
  start(): void {
    this.relay.kick();
  }

  /** Waits until the notification relay has nothing in progress (tests). */
  drainNotifications(): Promise<void> {
    return this.relay.idle();
  }

  /** Stops the notification relay's timers and waits for its run in progress. */
  stop(): Promise<void> {
    return this.relay.stop();
  }

  // ---- internals ----

  /** Applies a state command with compare-and-set; tells Alipay+ when the state really changed. */
  private async applyCommand(
    tokenUniqueReference: string,
    command: TokenCommand,
  ): Promise<TsResult<TokenView>> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS_MAX; attempt++) {
      const token = await this.deps.store.findToken(tokenUniqueReference);
      if (token === undefined) return err(tokenServiceError('TOKEN_NOT_FOUND'));
      const moved = transition(token.status, command);
      if (!moved.ok) return err(tokenServiceError(moved.error.code, moved.error.message));
      if (!moved.changed) return ok(viewOf(token));
      const next = this.touched(token, { status: moved.status });
      const update = updateOf(next, eventReasonOf(token.status, next.status));
      if (await this.deps.store.updateToken(next, token.version, update)) {
        this.deps.logger.info(
          { tokenUniqueReference, command: command.kind, state: next.status.state },
          'token state',
        );
        this.relay.kick();
        return ok(viewOf(next));
      }
    }
    return err(tokenServiceError('BUSY'));
  }

  /**
   * Allocates ATCs above every ATC issued before and stores the new high-water mark before any
   * credential is made, so a crash or a concurrent request can never hand out the same ATC twice.
   */
  private async issueCredentials(
    first: StoredToken,
    count: number,
    stillAllowed: (token: StoredToken) => TsResult<void>,
  ): Promise<TsResult<{ token: StoredToken; credentials: Credential[] }>> {
    const device = await this.deps.store.findDevice(first.deviceId);
    if (device === undefined) throw new Error(`token ${first.tokenUniqueReference} has no device row`);
    const deviceKey = await importEncryptionPublicKey(device.publicKeySpki);
    if (!deviceKey.ok) throw new Error(`stored device key is unusable: ${deviceKey.error.message}`);
    let token = first;
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS_MAX; attempt++) {
      const allowed = stillAllowed(token);
      if (!allowed.ok) return allowed;
      const allocation = allocateAtcs(token.atcLastIssued, count);
      if (!allocation.ok) return err(tokenServiceError('ATC_EXHAUSTED'));
      const next = this.touched(token, { atcLastIssued: allocation.range.last });
      if (await this.deps.store.updateToken(next, token.version)) {
        const mk = this.masterKey(next);
        const credentials = await sealCredentials({
          cipher: this.deps.cipher,
          mk,
          devicePublicKey: deviceKey.value,
          tokenUniqueReference: next.tokenUniqueReference,
          atcs: atcsOf(allocation.range),
        });
        mk.fill(0);
        return ok({ token: next, credentials });
      }
      const reread = await this.deps.store.findToken(token.tokenUniqueReference);
      if (reread === undefined) return err(tokenServiceError('TOKEN_NOT_FOUND'));
      token = reread;
    }
    return err(tokenServiceError('BUSY'));
  }

  /** The token's ICC master key, derived on demand from IMK-AC: it is never stored nor sent. */
  masterKey(token: { tokenPan: string; psn: string }): Uint8Array {
    return tokenMasterKey(this.deps.cipher, { imk: this.deps.imk, tokenPan: token.tokenPan, psn: token.psn });
  }

  private touched(
    token: StoredToken,
    change: Partial<Pick<StoredToken, 'status' | 'atcLastIssued'>>,
  ): StoredToken {
    return { ...token, ...change, version: token.version + 1, updatedAtMs: this.deps.clock.nowMs() };
  }

  private async ownedDevice(customerId: string, deviceId: string): Promise<TsResult<DeviceRecord>> {
    const device = await this.deps.store.findDevice(deviceId);
    // Another customer's device is reported as absent: its existence is none of this caller's business.
    if (device === undefined || device.customerId !== customerId)
      return err(tokenServiceError('DEVICE_NOT_FOUND'));
    return ok(device);
  }

  private async ownedToken(
    customerId: string,
    request: { deviceId: string; tokenUniqueReference: string },
  ): Promise<TsResult<StoredToken>> {
    const token = await this.deps.store.findToken(request.tokenUniqueReference);
    if (token === undefined || token.customerId !== customerId || token.deviceId !== request.deviceId) {
      return err(tokenServiceError('TOKEN_NOT_FOUND'));
    }
    return ok(token);
  }

  private async tokenOfTask(
    customerId: string,
    request: { deviceId: string; taskId: string },
  ): Promise<TsResult<StoredToken>> {
    const token = await this.deps.store.findTokenByTaskId(request.taskId);
    if (token === undefined || token.customerId !== customerId || token.deviceId !== request.deviceId) {
      return err(tokenServiceError('TASK_NOT_FOUND'));
    }
    return ok(token);
  }

  private newTokenPan(): string {
    // 64 bytes give the 9 digits with overwhelming probability (each byte is usable with p = 250/256).
    for (let attempt = 0; attempt < 4; attempt++) {
      const digits = digitsFromRandomBytes(this.deps.random.bytes(64), TOKEN_ACCOUNT_DIGITS);
      if (digits !== undefined) return tokenPanOf(digits);
    }
    throw new Error('random source produced no usable digits');
  }

  private hex(byteCount: number): string {
    let out = '';
    for (const byte of this.deps.random.bytes(byteCount)) out += byte.toString(16).padStart(2, '0');
    return out;
  }

  /** A uniform fraction in [0, 1) from 32 random bits. */
  private fraction(): number {
    const bytes = this.deps.random.bytes(4);
    let value = 0;
    for (const byte of bytes) value = value * 256 + byte;
    return value / 2 ** 32;
  }
}

function taskOf(token: StoredToken): { taskId: string; tokenUniqueReference: string } {
  return { taskId: token.taskId, tokenUniqueReference: token.tokenUniqueReference };
}

function stateFields(token: StoredToken): { state: TokenState; provisionReadyAtMs: number } {
  return { state: token.status.state, provisionReadyAtMs: token.provisionReadyAtMs };
}

function updateOf(token: StoredToken, reason: TokenEventReason): TokenUpdate {
  return {
    tokenUniqueReference: token.tokenUniqueReference,
    customerId: token.customerId,
    state: token.status.state,
    suspendedBy: suspendedByOf(token.status),
    reason,
    eventTimeMs: token.updatedAtMs,
  };
}

export function viewOf(token: StoredToken): TokenView {
  return {
    tokenUniqueReference: token.tokenUniqueReference,
    state: token.status.state,
    suspendedBy: suspendedByOf(token.status),
  };
}

function eventReasonOf(before: TokenStatus, after: TokenStatus): TokenEventReason {
  switch (after.state) {
    case 'ACTIVE':
      return before.state === 'INACTIVE' ? 'ACTIVATED' : 'RESUMED';
    case 'SUSPENDED':
      return 'SUSPENDED';
    case 'DEACTIVATED':
      return 'DEACTIVATED';
    case 'INACTIVE':
      throw new Error('no transition leads back to INACTIVE');
  }
}
