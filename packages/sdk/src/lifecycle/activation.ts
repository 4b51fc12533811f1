// Activation (tokenization): REGISTER_DEVICE → APPLY_TOKEN → WAIT_APPROVAL → PROVISION → STORE →
// NOTIFY_RESULT → DONE. The next phase is persisted after each one, so a network failure (10005) or an
// app restart resumes where it stopped. Silent activation stops after STORE (status 11) and
// activatePayment({ doConfirm: true }) runs the rest. Each run reports EVENT_APPLY once, at its end.

import { sleepOn as delay } from '@tapkit/protocol/concurrency';
import type { TokenInfo } from '@tapkit/protocol/wire/ant-sdk';
import {
  type Credential,
  CredentialPayloadSchema,
  ENVELOPE_CONTEXTS,
  exportPublicKeySpkiBase64,
  importEncryptionPublicKey,
  openJson,
  sealJson,
} from '@tapkit/protocol/wire/token-service';
import { PAYMENT_STATUS, type PaymentStatus, paymentStatusOf } from '../domain/status.ts';
import { credentialsRemaining, emptyWallet, mergeBatch } from '../domain/wallet.ts';
import { SdkError, toSdkError } from '../errors.ts';
import type { ActivationPhase, ActivationRecord, StoredCredential, TokenRecord } from '../storage/records.ts';
import type { SdkContext, Session } from './context.ts';

/** One progress event of an activation, for the app's progress bar. */
export interface ActivationProgress {
  /** The phase that just started. */
  readonly phase: ActivationPhase;
  /** How far the activation is, 0 to 100. */
  readonly percent: number;
}

/** sdk.activatePayment's options (`activatePayment(silentActivate, doConfirm)`, docs/protocol/sdk.md#activation). */
export interface ActivatePaymentOptions {
  /** Silent activation: stops at 11 (or 21) when the user's confirmation is needed. */
  readonly silentActivate?: boolean;
  /** The user confirmed on the activation page: finishes 11 and confirms 21. */
  readonly doConfirm?: boolean;
  /** Hears each phase with its percent. */
  readonly onProgress?: (progress: ActivationProgress) => void;
  /** false: fail with 10010 instead of joining an activation that is already running (tapkit). */
  readonly wait?: boolean;
}

/** What one run of the phases is asked to do. */
export interface ActivateOptions {
  readonly silent?: boolean;
  readonly onProgress?: (progress: ActivationProgress) => void;
  readonly wait?: boolean;
}

/** What a run measured, for EVENT_APPLY. */
interface RunMetrics {
  phase: ActivationPhase;
  steps: number;
  applyLoopMs: number;
  activateLoopMs: number;
}

/** The percent reported when each phase starts. */
export const PHASE_PERCENT: Record<ActivationPhase, number> = {
  REGISTER_DEVICE: 5,
  APPLY_TOKEN: 20,
  WAIT_APPROVAL: 35,
  PROVISION: 70,
  STORE: 85,
  NOTIFY_RESULT: 95,
  DONE: 100,
};

interface Run {
  readonly session: Session;
  readonly promise: Promise<PaymentStatus>;
  readonly listeners: Set<(progress: ActivationProgress) => void>;
}

export class Activation {
  /** The activation running for the connected session; another user's run is never joined. */
  private running: Run | undefined;

  constructor(private readonly context: SdkContext) {}

  activate(options: ActivateOptions): Promise<PaymentStatus> {
    const session = this.context.require();
    if (this.running !== undefined && this.running.session === session) {
      if (options.wait === false) return Promise.reject(SdkError.of('ACTIVATION_IN_PROGRESS'));
      if (options.onProgress) this.running.listeners.add(options.onProgress);
      return this.running.promise;
    }
    const listeners = new Set<(progress: ActivationProgress) => void>();
    if (options.onProgress) listeners.add(options.onProgress);
    const metrics: RunMetrics = { phase: 'REGISTER_DEVICE', steps: 0, applyLoopMs: 0, activateLoopMs: 0 };
    const emit = (phase: ActivationPhase, percent = PHASE_PERCENT[phase]) => {
      metrics.phase = phase;
      for (const listener of listeners) {
        try {
          listener({ phase, percent });
        } catch {
          // A failing progress callback is the app's bug; it must not abort the activation.
        }
      }
    };
    const silent = options.silent === true;
    const promise = this.tracked(this.run(session, silent, emit, metrics), silent, metrics).finally(() => {
      if (this.running?.promise === promise) this.running = undefined;
    });
    this.running = { session, promise, listeners };
    return promise;
  }

  /** EVENT_APPLY once per run that did something, with the doc's parameters (times in ms). */
  private async tracked(
    run: Promise<PaymentStatus>,
    silent: boolean,
    metrics: RunMetrics,
  ): Promise<PaymentStatus> {
    const startedMs = this.context.deps.clock.nowMs();
    const track = (applyResult: 'SUCCESS' | 'FAILURE', extra: Record<string, number> = {}) => {
      if (metrics.steps === 0) return;
      this.context.track('EVENT_APPLY', {
        applyLoopTimeConsume: metrics.applyLoopMs,
        activateLoopTimeConsume: metrics.activateLoopMs,
        applyTimeConsume: this.context.deps.clock.nowMs() - startedMs,
        applyResult,
        phase: metrics.phase,
        isSilent: silent,
        ...extra,
      });
    };
    try {
      const status = await run;
      track('SUCCESS');
      return status;
    } catch (error) {
      track('FAILURE', { errorCode: toSdkError(error).code });
      throw error;
    }
  }

  private async run(
    session: Session,
    silent: boolean,
    emit: Emit,
    metrics: RunMetrics,
  ): Promise<PaymentStatus> {
    const token = session.state.token;
    if (token !== undefined && session.state.activation === undefined) return this.status(session);
    let record: ActivationRecord = session.state.activation ?? {
      phase: 'REGISTER_DEVICE',
      silent,
      startedAtMs: this.context.deps.clock.nowMs(),
    };
    record = { ...record, silent };
    // Each step persists the next phase; the bound is the number of phases.
    for (let step = 0; step < PHASE_ORDER.length && record.phase !== 'DONE'; step++) {
      if (record.phase === 'NOTIFY_RESULT' && silent) {
        // Stopped at the user's confirmation: EVENT_APPLY names the phase that waits for it.
        metrics.phase = record.phase;
        return this.status(session);
      }
      metrics.steps++;
      record = await this.step(session, record, emit, metrics);
    }
    emit('DONE');
    return this.status(session);
  }

  private status(session: Session): PaymentStatus {
    return paymentStatusOf(session.state, credentialsRemaining(session.wallet));
  }

  private step(
    session: Session,
    record: ActivationRecord,
    emit: Emit,
    metrics: RunMetrics,
  ): Promise<ActivationRecord> {
    switch (record.phase) {
      case 'REGISTER_DEVICE':
        emit('REGISTER_DEVICE');
        return this.registerDevice(session, record);
      case 'APPLY_TOKEN':
        emit('APPLY_TOKEN');
        return this.applyToken(session, record);
      case 'WAIT_APPROVAL':
        emit('WAIT_APPROVAL');
        return this.timed(
          () => this.waitApproval(session, record, emit),
          (ms) => {
            metrics.applyLoopMs += ms;
          },
        );
      case 'PROVISION':
      case 'STORE':
        emit('PROVISION');
        return this.provisionAndStore(session, record, emit);
      case 'NOTIFY_RESULT':
        emit('NOTIFY_RESULT');
        return this.timed(
          () => this.notifyResult(session, record),
          (ms) => {
            metrics.activateLoopMs += ms;
          },
        );
      case 'DONE':
        return Promise.resolve(record);
    }
  }

  private async timed<T>(work: () => Promise<T>, add: (ms: number) => void): Promise<T> {
    const { clock } = this.context.deps;
    const startedMs = clock.nowMs();
    try {
      return await work();
    } finally {
      add(clock.nowMs() - startedMs);
    }
  }

  private async advance(session: Session, record: ActivationRecord, change: Partial<ActivationRecord>) {
    const next = { ...record, ...change };
    await this.context.writes.run(() =>
      this.context.saveState(session, { ...session.state, activation: next }),
    );
    return next;
  }

  /** Fails the activation for good: the record is dropped so the next activate starts over. */
  private async abandon(session: Session, error: SdkError): Promise<never> {
    const { activation: _dropped, ...rest } = session.state;
    await this.context.writes.run(() => this.context.saveState(session, rest));
    throw error;
  }

  private async registerDevice(session: Session, record: ActivationRecord): Promise<ActivationRecord> {
    const { deps } = this.context;
    if (session.state.deviceId !== undefined) return this.advance(session, record, { phase: 'APPLY_TOKEN' });
    const keyPair = await deps.storage.keys.deviceKeyPair();
    const key = await deps.tokenService.call('GET_PUBLIC_KEY', {}, 'PROVISION_FAILED');
    const serviceKey = await importEncryptionPublicKey(key.publicKey);
    if (!serviceKey.ok) throw SdkError.of('PROVISION_FAILED', 'the token service key is unusable');
    const registration = await sealJson({
      publicKey: serviceKey.value,
      context: ENVELOPE_CONTEXTS.registration,
      value: {
        nonce: key.registrationNonce,
        devicePublicKey: await exportPublicKeySpkiBase64(keyPair.publicKey),
        deviceFingerprint: await deps.deviceFingerprint(),
      },
    });
    const { deviceId } = await deps.tokenService.call(
      'REGISTER_DEVICE',
      { keyId: key.keyId, registration },
      'PROVISION_FAILED',
    );
    const next = { ...record, phase: 'APPLY_TOKEN' as const };
    await this.context.writes.run(() =>
      this.context.saveState(session, { ...session.state, deviceId, activation: next }),
    );
    return next;
  }

  private async applyToken(session: Session, record: ActivationRecord): Promise<ActivationRecord> {
    const deviceId = this.deviceIdOf(session);
    try {
      // The Ant server approves the digitization for a customer it knows and finds active.
      const status = await this.context.deps.ant.call('STATUS', {}, 'PROVISION_FAILED');
      if (status.customerStatus !== 'ACTIVE')
        throw SdkError.of('PROVISION_FAILED', 'the customer is not active');
      const task = await this.context.deps.tokenService.call('DIGITIZE', { deviceId }, 'PROVISION_FAILED');
      return this.advance(session, record, {
        phase: 'WAIT_APPROVAL',
        taskId: task.taskId,
        tokenUniqueReference: task.tokenUniqueReference,
      });
    } catch (error) {
      const sdkError = toSdkError(error);
      if (sdkError.resultName === 'PROVISION_FAILED') return this.abandon(session, sdkError);
      throw sdkError;
    }
  }

  /**
   * Polls the Ant server until Alipay+ approved the application, then the token service until the
   * provisioning delay is over: `applyTokenTimes` polls, `applyTokenIntervalMs` apart.
   */
  private async waitApproval(
    session: Session,
    record: ActivationRecord,
    emit: Emit,
  ): Promise<ActivationRecord> {
    const { clock } = this.context.deps;
    const config = this.context.config;
    const ids = this.taskOf(session, record);
    let approved = false;
    for (let poll = 1; poll <= config.applyTokenTimes; poll++) {
      if (!approved) approved = await this.isApproved(session, ids.tokenUniqueReference);
      if (approved) {
        const task = await this.context.deps.tokenService.call(
          'TASK_STATUS',
          { deviceId: ids.deviceId, taskId: ids.taskId },
          'PROVISION_FAILED',
        );
        if (task.status === 'FAILED')
          return this.abandon(session, SdkError.of('PROVISION_FAILED', 'the token task failed'));
        if (task.status !== 'PENDING') return this.advance(session, record, { phase: 'PROVISION' });
      }
      const span = PHASE_PERCENT.PROVISION - PHASE_PERCENT.WAIT_APPROVAL;
      emit(
        'WAIT_APPROVAL',
        PHASE_PERCENT.WAIT_APPROVAL + Math.floor((span * poll) / (config.applyTokenTimes + 1)),
      );
      if (poll < config.applyTokenTimes) await delay(clock, config.applyTokenIntervalMs);
    }
    // Not a failure of the application: a later activate resumes the wait from here.
    throw SdkError.of('NETWORK_EXCEPTION', 'the application was not ready within the polling limit');
  }

  private async isApproved(session: Session, tokenUniqueReference: string): Promise<boolean> {
    let info: TokenInfo;
    try {
      info = await this.context.deps.ant.call(
        'APPLICATION_STATUS',
        { tokenUniqueReference },
        'PROVISION_FAILED',
      );
    } catch (error) {
      // The Ant server learns of the token when the token service asks it to approve; until its record
      // is visible, "no such token" means "not yet".
      if (toSdkError(error).upstreamCode === 'TOKEN_NOT_EXIST') return false;
      throw error;
    }
    if (info.applicationStatus === 'DECLINED' || info.applicationStatus === 'FAILED') {
      return this.abandon(session, SdkError.of('PROVISION_FAILED', `application ${info.applicationStatus}`));
    }
    return info.applicationStatus === 'APPROVED';
  }

  private async provisionAndStore(
    session: Session,
    record: ActivationRecord,
    emit: Emit,
  ): Promise<ActivationRecord> {
    const { deps } = this.context;
    const ids = this.taskOf(session, record);
    const provisioned = await deps.tokenService.call(
      'PROVISION',
      { deviceId: ids.deviceId, taskId: ids.taskId },
      'PROVISION_FAILED',
    );
    const credentials = await this.openCredentials(provisioned.tokenUniqueReference, provisioned.credentials);
    emit('STORE');
    const token: TokenRecord = {
      tokenUniqueReference: provisioned.tokenUniqueReference,
      cardProfile: provisioned.cardProfile,
      activation: 'PREPARED',
      locked: false,
    };
    const next: ActivationRecord = { ...record, phase: 'NOTIFY_RESULT' };
    await this.context.writes.run(async () => {
      // The wallet first: a crash before the state write re-runs PROVISION, whose fresh batch replaces it.
      const wallet = mergeBatch(emptyWallet(token.tokenUniqueReference), credentials, []);
      await this.context.saveWallet(session, wallet);
      await this.context.saveState(session, { ...session.state, token, activation: next });
    });
    return next;
  }

  /** Opens credential envelopes with the device key; a credential that does not open fails the batch. */
  async openCredentials(
    tokenUniqueReference: string,
    credentials: readonly Credential[],
  ): Promise<StoredCredential[]> {
    const { privateKey } = await this.context.deps.storage.keys.deviceKeyPair();
    const out: StoredCredential[] = [];
    for (const credential of credentials) {
      const opened = await openJson({
        privateKey,
        envelope: credential.envelope,
        context: ENVELOPE_CONTEXTS.credential(tokenUniqueReference, credential.atc),
        schema: CredentialPayloadSchema,
      });
      if (
        !opened.ok ||
        opened.value.atc !== credential.atc ||
        opened.value.tokenUniqueReference !== tokenUniqueReference
      ) {
        throw SdkError.of('PROVISION_FAILED', `credential ${credential.atc} cannot be opened`);
      }
      out.push({ atc: credential.atc, sessionKey: opened.value.sessionKey });
    }
    return out;
  }

  /** Tells both counterparts the token is stored, activates it at the Ant server, waits until it shows. */
  private async notifyResult(session: Session, record: ActivationRecord): Promise<ActivationRecord> {
    const { deps } = this.context;
    const config = this.context.config;
    const ids = this.taskOf(session, record);
    const tokenUniqueReference = ids.tokenUniqueReference;
    await deps.tokenService.call(
      'NOTIFY_PROVISION_RESULT',
      { deviceId: ids.deviceId, tokenUniqueReference, result: 'SUCCESS' },
      'PROVISION_FAILED',
    );
    await deps.ant.call('ACTIVATION_RESULT', { tokenUniqueReference, result: 'SUCCESS' }, 'PROVISION_FAILED');
    let info = await deps.ant.call('ACTIVATE', { tokenUniqueReference }, 'PROVISION_FAILED');
    for (let poll = 1; poll < config.activateTimes && !isActivated(info); poll++) {
      await delay(deps.clock, config.activateIntervalMs);
      info = await deps.ant.call('APPLICATION_STATUS', { tokenUniqueReference }, 'PROVISION_FAILED');
    }
    if (!isActivated(info)) throw SdkError.of('NETWORK_EXCEPTION', 'the token did not become active in time');
    return this.finish(session, record, info);
  }

  private async finish(
    session: Session,
    record: ActivationRecord,
    info: TokenInfo,
  ): Promise<ActivationRecord> {
    const token = session.state.token;
    if (token === undefined) throw new Error('activation reached NOTIFY_RESULT without a stored token');
    const activation = info.confirmation === 'REQUIRED' ? 'NEEDS_CONFIRMATION' : 'ACTIVE';
    const { activation: _done, ...rest } = session.state;
    const next = {
      ...rest,
      token: { ...token, activation, locked: info.tokenState === 'SUSPENDED' },
    } as const;
    await this.context.writes.run(() => this.context.saveState(session, next));
    return { ...record, phase: 'DONE' };
  }

  private deviceIdOf(session: Session): string {
    const deviceId = session.state.deviceId;
    if (deviceId === undefined) throw new Error('activation phase needs a registered device');
    return deviceId;
  }

  private taskOf(session: Session, record: ActivationRecord) {
    const { taskId, tokenUniqueReference } = record;
    if (taskId === undefined || tokenUniqueReference === undefined) {
      throw new Error(`activation phase ${record.phase} needs a task`);
    }
    return { deviceId: this.deviceIdOf(session), taskId, tokenUniqueReference };
  }
}

type Emit = (phase: ActivationPhase, percent?: number) => void;

const PHASE_ORDER: readonly ActivationPhase[] = [
  'REGISTER_DEVICE',
  'APPLY_TOKEN',
  'WAIT_APPROVAL',
  'PROVISION',
  'STORE',
  'NOTIFY_RESULT',
  'DONE',
];

function isActivated(info: TokenInfo): boolean {
  return info.tokenState !== 'INACTIVE' && info.activation === 'ACTIVATED';
}

export { PAYMENT_STATUS };
