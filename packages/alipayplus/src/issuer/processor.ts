import type { FieldValue, Iso8583Message } from '@tapkit/emv';
import { KeyedMutex, ok, type Result, sleepOn, type TimerHandle } from '@tapkit/protocol';
import type { DbHandle } from '@tapkit/storage';
import {
  authorizationTraceOf,
  commitPlan,
  findEffect,
  insertAuthorization,
  insertReceivable,
  listOpenAuthorizations,
  listPendingCalls,
  loadAuthorization,
  parseCall,
  runTx,
  setAuthorizationOutcome,
  setEffectResponse,
  setPaymentStatus,
  type Tx,
  updateAmounts,
} from './adapters/db/book.ts';
import type { IssuerDatabase } from './adapters/db/schema.ts';
import {
  approvalCodeOf,
  type NetworkMessage,
  parseNetworkMessage,
  responseTo,
} from './adapters/iso-messages.ts';
import { type CallDeps, executeCalls } from './calls.ts';
import { ISSUER_CONFIG_DEFAULT, type IssuerConfig } from './config.ts';
import { planAdvice, planExpiry, planIncremental, planPurchase, planReversal } from './domain/conversion.ts';
import { DE48_FAULT_SUBELEMENT, FAULTS, type Fault, faultsFor } from './domain/faults.ts';
import { de39Of, type PayOutcome } from './domain/outcome.ts';
import { type MppCall, noDelta, type Plan } from './domain/types.ts';
import type {
  AuthorizationDecided,
  AuthorizationDecidedListener,
  AuthorizationQuote,
  AuthorizationRecord,
  Clock,
  IssuerLogger,
  MppGateway,
  MppRouter,
  NewAuthorization,
  QuoteRefusal,
} from './ports.ts';
import { InquiryResolver } from './resolver.ts';
import { BackgroundTasks } from './runtime.ts';

// The issuer processor: the network's ISO 8583 messages in, MPP calls out, every authorization's amounts
// kept in the book. One flow changes an authorization at a time (a per-trace-id lock); each effect is
// keyed (AUTH|trace, ADVICE|trace, REVERSAL|trace|DE95, CLEARING|ARN, EXPIRY|trace|...) so a message
// delivered twice answers the same and changes nothing. (tapkit) One processor instance per database.

export interface IssuerDeps {
  readonly handle: DbHandle<IssuerDatabase>;
  readonly clock: Clock;
  readonly gateway: MppGateway;
  readonly router: MppRouter;
  readonly logger: IssuerLogger;
  readonly config?: Partial<IssuerConfig>;
  /** (tapkit) Told every purchase's decided DE39 (the Ant server's NOTIFY feed, wired in process). */
  readonly onAuthorizationDecided?: AuthorizationDecidedListener;
}

type PayCall = Extract<MppCall, { api: 'pay' }>;

/** What a flow decided; each delivery builds its own response from it (echoing its own DE11 / DE37). */
export interface Answer {
  readonly code: string;
  readonly extra?: ReadonlyMap<number, FieldValue>;
}

const answer = (code: string, extra?: ReadonlyMap<number, FieldValue>): Answer =>
  extra === undefined ? { code } : { code, extra };

export class IssuerProcessor {
  readonly config: IssuerConfig;
  readonly locks = new KeyedMutex();
  private readonly inFlight = new Map<string, Promise<Answer>>();
  private readonly expiryTimers = new Map<string, TimerHandle>();
  private readonly background: BackgroundTasks;
  private readonly resolver: InquiryResolver;
  private stopped = false;

  constructor(private readonly deps: IssuerDeps) {
    this.config = { ...ISSUER_CONFIG_DEFAULT, ...deps.config };
    this.background = new BackgroundTasks((error) =>
      deps.logger.error({ error: String(error) }, 'issuer background task failed'),
    );
    this.resolver = new InquiryResolver(this, this.callDeps());
  }

  callDeps(): CallDeps {
    const { handle, clock, gateway, logger } = this.deps;
    return { handle, clock, gateway, logger, config: this.config, locks: this.locks };
  }

  /** One network message in, its answer out (undefined for messages that get none). */
  async handle(request: Iso8583Message): Promise<Iso8583Message | undefined> {
    if (request.mti === '0800') return responseTo(request, '00');
    if (!['0100', '0120', '0400', '0420'].includes(request.mti)) {
      return /^\d{2}[02468]\d$/.test(request.mti) ? responseTo(request, '12') : undefined;
    }
    const parsed = parseNetworkMessage(request);
    if ('responseCode' in parsed) {
      this.deps.logger.warn({ mti: request.mti, detail: parsed.detail }, 'network message refused');
      return responseTo(request, parsed.responseCode);
    }
    const kind = request.mti === '0100' ? 'AUTH' : request.mti === '0120' ? 'ADVICE' : 'REVERSAL';
    const key =
      kind === 'REVERSAL'
        ? `REVERSAL|${parsed.networkTraceId}|${parsed.replacementMinor ?? 'FULL'}`
        : `${kind}|${parsed.networkTraceId}`;
    // Concurrent duplicates join the first delivery and get its answer.
    let work = this.inFlight.get(key);
    if (work === undefined) {
      work = this.dispatch(kind, key, parsed, request.mti).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, work);
    }
    const decided = await work;
    return responseTo(request, decided.code, decided.extra);
  }

  private dispatch(
    kind: 'AUTH' | 'ADVICE' | 'REVERSAL',
    key: string,
    m: NetworkMessage,
    mti: string,
  ): Promise<Answer> {
    if (kind === 'ADVICE') return this.advice(key, m);
    if (kind === 'REVERSAL') return this.reversal(key, m, mti);
    if (m.isRefund) return this.refundAuthorization(key, m);
    if (m.type === 'INCREMENTAL') return this.incremental(key, m);
    return this.purchase(key, m);
  }

  async route(input: { tokenUniqueReference: string; customerId: string }): Promise<string | undefined> {
    return this.deps.router.mppOf(input);
  }

  /** The FX quote a new authorization of `mppId` in `currency` gets (undefined: same currency). */
  quoteFor(mppId: string, currency: string): Result<AuthorizationQuote | undefined, QuoteRefusal> {
    return this.deps.gateway.quoteFor?.(mppId, currency) ?? ok(undefined);
  }

  /**
   * The quote of an authorization the network already approved (advice, clearing alone): without a rate
   * the pay goes out unconverted (the MPP refuses it and the money becomes a receivable), logged.
   */
  quoteOrNone(mppId: string, currency: string, networkTraceId: string): AuthorizationQuote | undefined {
    const quote = this.quoteFor(mppId, currency);
    if (quote.ok) return quote.value;
    this.deps.logger.error({ networkTraceId, code: quote.error.code }, quote.error.message);
    return undefined;
  }

  get log(): IssuerLogger {
    return this.deps.logger;
  }

  async getAuthorization(networkTraceId: string): Promise<AuthorizationRecord | undefined> {
    const trace = await authorizationTraceOf(this.deps.handle.db, networkTraceId);
    return trace === undefined ? undefined : loadAuthorization(this.deps.handle.db, trace);
  }

  /**
   * The MPP told a final outcome (notifyPayment) of a payment whose pay answer was unknown: inquire at
   * once rather than on the schedule. The inquiry, not the notify, decides (the notify is not the answer
   * to our request). False when no inquiry was waiting for that payment.
   */
  expediteInquiry(paymentRequestId: string): boolean {
    return this.resolver.expedite(paymentRequestId);
  }

  /** Waits for every background flow (outbox calls, inquiries in progress, injected reversals). */
  async idle(): Promise<void> {
    await this.background.idle();
  }

  /** Background flows still running (tests step a virtual clock until this is 0). */
  backgroundCount(): number {
    return this.background.size;
  }

  runInBackground(task: Promise<unknown>): void {
    this.background.add(task);
  }

  /** Resumes after a restart: outbox calls still pending, unknown payments, expiry timers. */
  async start(): Promise<void> {
    const db = this.deps.handle.db;
    for (const row of await listPendingCalls(db, this.config.resumeBatchMax)) {
      this.runInBackground(executeCalls(this.callDeps(), row.network_trace_id, [parseCall(row.call)]));
    }
    await this.resolver.resumeUnknown(this.config.resumeBatchMax);
    for (const row of await listOpenAuthorizations(db, this.config.resumeBatchMax)) {
      this.armExpiry(row.network_trace_id, Number(row.expires_at_ms));
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.expiryTimers.values()) timer.cancel();
    this.expiryTimers.clear();
    this.resolver.stop();
  }

  // ---- 0100 ----

  private purchase(key: string, m: NetworkMessage): Promise<Answer> {
    return this.locks.run(m.networkTraceId, async () => {
      const replay = await this.replay(key);
      if (replay !== undefined) return replay;
      const mppId = await this.deps.router.mppOf(m);
      if (mppId === undefined) return answer('14');
      const quote = this.quoteFor(mppId, m.currency);
      if (!quote.ok) {
        // (tapkit) No rate converts this currency into the MPP's wallet: 57, transaction not permitted.
        this.deps.logger.warn(
          { networkTraceId: m.networkTraceId, code: quote.error.code },
          quote.error.message,
        );
        return answer('57');
      }
      const faults = [...faultsFor(m.amountText, this.config.faults)];
      const nowMs = this.deps.clock.nowMs();
      const plan = planPurchase({
        networkTraceId: m.networkTraceId,
        type: m.type as 'FINAL',
        amountMinor: m.amountMinor,
        nowMs,
      });
      const type = m.type === 'PRE_AUTH' ? 'PRE_AUTH' : m.type === 'FINAL' ? 'FINAL' : 'UNDEFINED';
      const auth = await this.createWithPay(
        newAuthorization(m, { mppId, faults, type, expiresAtMs: plan.expiresAtMs!, quote: quote.value }),
        key,
        plan,
      );
      const { code, outcome } = await this.payAndSettleOutcome(auth, key, plan, faults);
      this.tellDecided(m, code, outcome);
      if (code === '00' && faults.includes('REVERSAL_AFTER_APPROVAL')) this.injectReversal(m.networkTraceId);
      return this.authorizationAnswer(m.networkTraceId, code, faults);
    });
  }

  private async createWithPay(auth: NewAuthorization, key: string, plan: Plan): Promise<AuthorizationRecord> {
    const nowMs = this.deps.clock.nowMs();
    return runTx(this.deps.handle, async (tx) => {
      await insertAuthorization(tx, auth, nowMs);
      await this.commitSyncPay(tx, auth.networkTraceId, auth.networkTraceId, key, plan);
      return (await loadAuthorization(tx, auth.networkTraceId))!;
    });
  }

  /** Records the effect and the PENDING payment; the amounts change only once the pay succeeds. */
  private async commitSyncPay(tx: Tx, authTrace: string, messageTrace: string, key: string, plan: Plan) {
    const auth = (await loadAuthorization(tx, authTrace, this.lockRows))!;
    const call = plan.calls[0] as PayCall;
    const pending: Plan = { calls: plan.calls, delta: noDelta };
    const nowMs = this.deps.clock.nowMs();
    await commitPlan(tx, {
      auth,
      effectKey: key,
      plan: pending,
      nowMs,
      messageTraceId: messageTrace,
      syncPayRequestId: call.paymentRequestId,
    });
  }

  private incremental(key: string, m: NetworkMessage): Promise<Answer> {
    const original = m.originalNetworkTraceId;
    if (original === undefined) return Promise.resolve(answer('12'));
    return this.locks.run(original, async () => {
      const replay = await this.replay(key);
      if (replay !== undefined) return replay;
      const auth = await this.getAuthorization(original);
      if (auth === undefined || auth.state !== 'OPEN') return answer('12');
      const plan = planIncremental(auth, { networkTraceId: m.networkTraceId, amountMinor: m.amountMinor });
      await runTx(this.deps.handle, (tx) =>
        this.commitSyncPay(tx, auth.networkTraceId, m.networkTraceId, key, plan),
      );
      const fresh = (await loadAuthorization(this.deps.handle.db, auth.networkTraceId))!;
      const code = await this.payAndSettle(fresh, key, plan, [
        ...faultsFor(m.amountText, this.config.faults),
      ]);
      return this.authorizationAnswer(m.networkTraceId, code, []);
    });
  }

  /** (tapkit) A refund authorization is recorded and approved; the money moves at its clearing. */
  private refundAuthorization(key: string, m: NetworkMessage): Promise<Answer> {
    return this.locks.run(m.networkTraceId, async () => {
      const replay = await this.replay(key);
      if (replay !== undefined) return replay;
      const mppId = await this.deps.router.mppOf(m);
      if (mppId === undefined) return answer('14');
      const nowMs = this.deps.clock.nowMs();
      const auth = newAuthorization(m, { mppId, faults: [], type: 'REFUND', expiresAtMs: nowMs });
      await runTx(this.deps.handle, async (tx) => {
        await insertAuthorization(tx, { ...auth, state: 'OPEN' }, nowMs);
        const record = (await loadAuthorization(tx, m.networkTraceId))!;
        await commitPlan(tx, {
          auth: record,
          effectKey: key,
          plan: { calls: [], delta: noDelta },
          nowMs,
          messageTraceId: m.networkTraceId,
          responseCode: '00',
        });
      });
      return answer('00');
    });
  }

  private authorizationAnswer(trace: string, code: string, faults: readonly Fault[]): Answer {
    const extra = new Map<number, FieldValue>();
    if (code === '00') extra.set(38, approvalCodeOf(trace));
    if (faults.includes('REVERSAL_AFTER_APPROVAL')) {
      extra.set(48, [{ id: DE48_FAULT_SUBELEMENT, value: FAULTS.REVERSAL_AFTER_APPROVAL }]);
    }
    return answer(code, extra);
  }

  private async replay(key: string): Promise<Answer | undefined> {
    const effect = await findEffect(this.deps.handle.db, key);
    if (effect === undefined) return undefined;
    const code = effect.response_code ?? '91';
    const extra = new Map<number, FieldValue>();
    if (code === '00' && effect.approval_code !== null) extra.set(38, effect.approval_code);
    return answer(code, extra);
  }

  // ---- The pay of a 0100 / 0120 and its settlement ----

  private async payNow(auth: AuthorizationRecord, call: PayCall, faults: readonly Fault[]) {
    const dropped = faults.includes('PAY_ANSWER_DROPPED') || faults.includes('PAY_TIMEOUT');
    const prepared = this.deps.gateway.prepare(auth, call, { dropAnswer: dropped });
    if (!faults.includes('PAY_TIMEOUT')) return prepared.send();
    // 9902: nothing usable comes back within the pay timeout, measured on the Clock.
    const [result] = await Promise.all([prepared.send(), sleepOn(this.deps.clock, this.config.payTimeoutMs)]);
    return result.kind === 'unknown' ? { ...result, reason: 'FAULT_PAY_TIMEOUT' } : result;
  }

  /** Sends the pay, maps the outcome to DE39 and records it; an unknown outcome goes to the resolver. */
  async payAndSettle(
    auth: AuthorizationRecord,
    key: string,
    plan: Plan,
    faults: readonly Fault[],
  ): Promise<string> {
    return (await this.payAndSettleOutcome(auth, key, plan, faults)).code;
  }

  private async payAndSettleOutcome(
    auth: AuthorizationRecord,
    key: string,
    plan: Plan,
    faults: readonly Fault[],
  ): Promise<{ code: string; outcome: PayOutcome }> {
    const call = plan.calls[0] as PayCall;
    const result = await this.payNow(auth, call, faults);
    const outcome: PayOutcome =
      result.kind === 'answered' ? result.outcome : { status: 'UNKNOWN', reason: result.reason };
    const code = de39Of(outcome);
    const nowMs = this.deps.clock.nowMs();
    const isFirst = auth.payments[0]?.paymentRequestId === call.paymentRequestId;
    await runTx(this.deps.handle, async (tx) => {
      if (outcome.status === 'S') {
        await this.settleSuccess(
          tx,
          auth.networkTraceId,
          call,
          plan,
          result.kind === 'answered' ? result.paymentId : undefined,
        );
      } else if (outcome.status === 'F') {
        await setPaymentStatus(tx, call.paymentRequestId, 'FAILED', nowMs, {
          resultCode: outcome.resultCode,
        });
        if (call.authorizationType === 'ADVICE')
          await this.adviceDeclined(tx, auth, call, plan, outcome.resultCode);
        else if (isFirst)
          await setAuthorizationOutcome(tx, auth.networkTraceId, { state: 'DECLINED', nowMs });
      } else {
        await setPaymentStatus(tx, call.paymentRequestId, 'UNKNOWN', nowMs, {
          resultCode: outcome.reason.slice(0, 64),
        });
      }
      if (isFirst) await setAuthorizationOutcome(tx, auth.networkTraceId, { responseCode: code, nowMs });
      await setEffectResponse(tx, key, code, code === '00' ? approvalCodeOf(auth.networkTraceId) : undefined);
    });
    if (outcome.status === 'S' && plan.expiresAtMs !== undefined)
      this.armExpiry(auth.networkTraceId, plan.expiresAtMs);
    if (outcome.status === 'UNKNOWN') this.resolver.watch(auth.networkTraceId, call, plan, 0);
    this.deps.logger.info(
      { networkTraceId: auth.networkTraceId, kind: call.authorizationType, code },
      'pay answered',
    );
    return { code, outcome };
  }

  /**
   * Hands a purchase's decided answer to the onAuthorizationDecided port in the background, so the
   * 0110 never waits for it. No ATC in DE55 (9F36): nothing the SDK could match, so nothing is told.
   */
  private tellDecided(m: NetworkMessage, code: string, outcome: PayOutcome): void {
    const listener = this.deps.onAuthorizationDecided;
    const event = decidedEventOf(m, code, outcome);
    if (listener === undefined || event === undefined) return;
    this.runInBackground(Promise.resolve().then(() => listener(event)));
  }

  async settleSuccess(
    tx: Tx,
    trace: string,
    call: PayCall,
    plan: Plan,
    paymentId: string | undefined,
  ): Promise<void> {
    const nowMs = this.deps.clock.nowMs();
    await setPaymentStatus(tx, call.paymentRequestId, 'SUCCESS', nowMs, {
      ...(paymentId === undefined ? {} : { paymentId }),
      resultCode: 'SUCCESS',
    });
    await updateAmounts(tx, trace, plan, nowMs);
  }

  /** The network approved (advice) but the MPP declined: the authorization stands, the money is owed. */
  async adviceDeclined(tx: Tx, auth: AuthorizationRecord, call: PayCall, plan: Plan, reason: string) {
    await updateAmounts(tx, auth.networkTraceId, plan, this.deps.clock.nowMs());
    await insertReceivable(tx, {
      key: `advice:${call.paymentRequestId}`,
      auth,
      amountMinor: call.amountMinor,
      reason: `ADVICE pay declined: ${reason}`,
      nowMs: this.deps.clock.nowMs(),
    });
  }

  // ---- 0120 ----

  private advice(key: string, m: NetworkMessage): Promise<Answer> {
    return this.locks.run(m.networkTraceId, async () => {
      const replay = await this.replay(key);
      if (replay !== undefined) return replay;
      const nowMs = this.deps.clock.nowMs();
      const existing = await loadAuthorization(this.deps.handle.db, m.networkTraceId);
      const first = existing?.payments[0];
      if (
        existing !== undefined &&
        (first?.status === 'UNKNOWN' || existing.state === 'OPEN' || existing.state === 'CLEARED')
      ) {
        // Either our own approval stands, or the resolver will keep the success it finds (or pay ADVICE).
        await runTx(this.deps.handle, async (tx) => {
          await commitPlan(tx, {
            auth: existing,
            effectKey: key,
            plan: { calls: [], delta: noDelta },
            nowMs,
            messageTraceId: m.networkTraceId,
            responseCode: '00',
          });
          await setAuthorizationOutcome(tx, m.networkTraceId, { adviceReceived: true, nowMs });
        });
        return answer('00');
      }
      if (existing === undefined) {
        const mppId = await this.deps.router.mppOf(m);
        if (mppId === undefined) {
          this.deps.logger.error({ networkTraceId: m.networkTraceId }, 'advice for a token of no known MPP');
          return answer('00');
        }
        const quote = this.quoteOrNone(mppId, m.currency, m.networkTraceId);
        const auth = newAuthorization(m, { mppId, faults: [], type: 'ADVICE', expiresAtMs: nowMs, quote });
        await runTx(this.deps.handle, (tx) => insertAuthorization(tx, auth, nowMs));
      }
      await this.payAdvice(m.networkTraceId, key, m.amountMinor);
      return answer('00');
    });
  }

  /** Pays ADVICE for an authorization the network approved itself; call with the trace id's lock held. */
  async payAdvice(trace: string, key: string, amountMinor: bigint): Promise<void> {
    const plan = planAdvice({ networkTraceId: trace, amountMinor, nowMs: this.deps.clock.nowMs() });
    await runTx(this.deps.handle, async (tx) => {
      await this.commitSyncPay(tx, trace, trace, key, plan);
      await setAuthorizationOutcome(tx, trace, { adviceReceived: true, nowMs: this.deps.clock.nowMs() });
    });
    const auth = (await loadAuthorization(this.deps.handle.db, trace))!;
    await this.payAndSettle(auth, key, plan, []);
  }

  // ---- 0400 / 0420 ----

  private async reversal(key: string, m: NetworkMessage, mti: string): Promise<Answer> {
    const code = await this.applyReversal(key, m.networkTraceId, m.replacementMinor);
    // An advice (0420) is always acknowledged; a request (0400) for nothing we know is invalid.
    return answer(code === 'UNKNOWN_AUTHORIZATION' ? (mti === '0420' ? '00' : '12') : code);
  }

  private async applyReversal(key: string, trace: string, replacementMinor: bigint | undefined) {
    const authTrace = await authorizationTraceOf(this.deps.handle.db, trace);
    if (authTrace === undefined) return 'UNKNOWN_AUTHORIZATION' as const;
    return this.locks.run(authTrace, async () => {
      const effect = await findEffect(this.deps.handle.db, key);
      if (effect !== undefined) return effect.response_code ?? '00';
      const nowMs = this.deps.clock.nowMs();
      const calls = await runTx(this.deps.handle, async (tx) => {
        const auth = (await loadAuthorization(tx, authTrace, this.lockRows))!;
        const scope =
          trace === authTrace ? auth.payments : auth.payments.filter((p) => p.messageTraceId === trace);
        const idBase = `${trace}-V${replacementMinor ?? 0n}`;
        const plan = planReversal(auth, { scope, replacementMinor, nowMs, idBase });
        return commitPlan(tx, {
          auth,
          effectKey: key,
          plan,
          nowMs,
          messageTraceId: trace,
          responseCode: '00',
        });
      });
      if (calls !== false) this.runInBackground(executeCalls(this.callDeps(), authTrace, calls));
      return '00';
    });
  }

  /** 9904: the network reverses right after approving; modelled here, after the 0110 has gone out. */
  private injectReversal(trace: string): void {
    const afterAnswer = new Promise<void>((resolve) => setImmediate(resolve));
    this.runInBackground(
      afterAnswer.then(() => this.applyReversal(`REVERSAL|${trace}|FULL`, trace, undefined)),
    );
  }

  // ---- Expiry ----

  armExpiry(trace: string, expiresAtMs: number): void {
    if (this.stopped) return;
    this.expiryTimers.get(trace)?.cancel();
    if (!this.expiryTimers.has(trace) && this.expiryTimers.size >= this.config.expiryTimersMax) {
      this.deps.logger.warn({ networkTraceId: trace }, 'expiry timers full; armed at the next start');
      return;
    }
    const timer = this.deps.clock.setTimer(expiresAtMs - this.deps.clock.nowMs(), () => {
      this.expiryTimers.delete(trace);
      this.runInBackground(this.expire(trace));
    });
    this.expiryTimers.set(trace, timer);
  }

  cancelExpiry(trace: string): void {
    this.expiryTimers.get(trace)?.cancel();
    this.expiryTimers.delete(trace);
  }

  private async expire(trace: string): Promise<void> {
    const calls = await this.locks.run(trace, async () => {
      const auth = await loadAuthorization(this.deps.handle.db, trace);
      if (auth === undefined || auth.state !== 'OPEN') return false;
      const nowMs = this.deps.clock.nowMs();
      if (nowMs < auth.expiresAtMs) {
        this.armExpiry(trace, auth.expiresAtMs);
        return false;
      }
      const plan = planExpiry(auth, { nowMs, idBase: `${trace}-X` });
      return runTx(this.deps.handle, (tx) =>
        commitPlan(tx, {
          auth,
          effectKey: `EXPIRY|${trace}|${auth.expiresAtMs}`,
          plan,
          nowMs,
          messageTraceId: trace,
        }),
      );
    });
    if (calls !== false) await executeCalls(this.callDeps(), trace, calls);
  }

  /** Row locks only where the engine has them (PostgreSQL); SQLite serializes writers anyway. */
  get lockRows(): boolean {
    return this.deps.handle.engine === 'postgres';
  }
}

export function newAuthorization(
  m: Pick<
    NetworkMessage,
    | 'networkTraceId'
    | 'tokenUniqueReference'
    | 'customerId'
    | 'merchantId'
    | 'merchantName'
    | 'mcc'
    | 'terminalId'
    | 'acquirerId'
    | 'currency'
    | 'details'
  >,
  p: {
    mppId: string;
    faults: readonly Fault[];
    type: NewAuthorization['type'];
    expiresAtMs: number;
    quote?: AuthorizationQuote | undefined;
  },
): NewAuthorization {
  return {
    networkTraceId: m.networkTraceId,
    type: p.type,
    state: 'PENDING',
    tokenUniqueReference: m.tokenUniqueReference,
    customerId: m.customerId,
    mppId: p.mppId,
    merchantId: m.merchantId,
    merchantName: m.merchantName,
    mcc: m.mcc,
    terminalId: m.terminalId,
    acquirerId: m.acquirerId,
    currency: m.currency,
    expiresAtMs: p.expiresAtMs,
    faults: p.faults,
    details: m.details,
    quote: p.quote,
  };
}

/** The port's event for a purchase answered `code`; undefined when the message carried no ATC. */
export function decidedEventOf(
  m: Pick<NetworkMessage, 'networkTraceId' | 'tokenUniqueReference' | 'currency' | 'amountMinor' | 'details'>,
  code: string,
  outcome: PayOutcome,
): AuthorizationDecided | undefined {
  const nfc = m.details.nfcTransactionInfo as Record<string, unknown> | undefined;
  const atcHex = nfc?.atc;
  if (typeof atcHex !== 'string' || !/^[0-9A-F]{4}$/.test(atcHex)) return undefined;
  const customData = m.details.customData;
  return {
    tokenUniqueReference: m.tokenUniqueReference,
    atc: Number.parseInt(atcHex, 16),
    networkTraceId: m.networkTraceId,
    approved: code === '00',
    de39: code,
    ...(outcome.status === 'F' ? { resultCode: outcome.resultCode } : {}),
    amount: { currency: m.currency, value: m.amountMinor.toString() },
    ...(typeof customData === 'string' ? { customData } : {}),
  };
}
