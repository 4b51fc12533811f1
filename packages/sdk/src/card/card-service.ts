// Host card emulation: the HCE service hands every APDU to processApdu. The pure state machine
// (session.ts) answers most commands; this layer adds what needs storage and the app: whether the
// token may pay at all (GPO), the TransactionPermit decision, spending a credential (persisted BEFORE
// the cryptogram leaves), the listener events and the auto-replenish.
//
// Refusals (tapkit): a locked or not yet usable token, or no credentials, answers GPO with 6985
// (conditions of use not satisfied); the reader ends the tap there and the app gets onTransactionFailed
// with TOKEN_UNAVAILABLE (10008) or INSUFFICIENT_CREDENTIALS (10007). No credential is spent by a
// refused tap. A tap the app's permit declines is reported as that permit result, with no code.
import { encodeResponseApdu, SW } from '@tapkit/emv';
import { completedRangeOf, completedTransactionTypeOf } from '../domain/transaction.ts';
import { credentialsRemaining, spendNext } from '../domain/wallet.ts';
import { SdkError } from '../errors.ts';
import type { SdkContext, Session } from '../lifecycle/context.ts';
import type { Replenisher } from '../lifecycle/replenish.ts';
import type {
  PermitDecision,
  RiskControlDecision,
  RiskControlInfo,
  TransactionCompleteContext,
  TransactionFailure,
  TransactionFailureResult,
  TransactionInfo,
} from '../ports.ts';
import type { TokenRecord } from '../storage/records.ts';
import { type CryptogramOutcome, generateAcResponse, transactionInfoOf } from './generate-ac.ts';
import { buildCardStatics, type CardStatics } from './profile.ts';
import { type CardSessionState, initialCardSession, type RequestedCryptogram, stepCard } from './session.ts';
import { TransactionResultWatcher } from './transaction-results.ts';

/** Custom data travels in 9F6E; docs/protocol/sdk.md#a-tap limits it to 256 characters. */
export const CUSTOM_DATA_CHARS_MAX = 256;

export class CardService {
  private session: CardSessionState = initialCardSession;
  private statics: { tokenUniqueReference: string; card: CardStatics } | undefined;
  private lastAuthAtMs: number | undefined;
  private customData: string | undefined;
  /** APDUs of one field are strictly sequential; this keeps a second reader from interleaving. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Pulls the issuer's decision on each ARQC from the Ant server's feed, after the tap (tapkit). */
  private readonly results: TransactionResultWatcher;

  constructor(
    private readonly context: SdkContext,
    private readonly replenisher: Replenisher,
  ) {
    this.results = new TransactionResultWatcher(context);
  }

  setCustomData(value: string | undefined): void {
    if (value !== undefined && (typeof value !== 'string' || value.length > CUSTOM_DATA_CHARS_MAX)) {
      throw SdkError.of(
        'INVALID_INPUT_PARAMETERS',
        `custom data is limited to ${CUSTOM_DATA_CHARS_MAX} characters`,
      );
    }
    this.customData = value === '' ? undefined : value;
  }

  notifyUserAuthenticated(): void {
    this.lastAuthAtMs = this.context.deps.clock.nowMs();
  }

  onDeactivated(): void {
    this.session = initialCardSession;
  }

  /** On disconnect: results still awaited are not reported to whoever connects next. */
  stopWatchingResults(): void {
    this.results.cancelAll();
  }

  /** On connect and disconnect: nothing of one user's taps carries over to the next. */
  reset(): void {
    this.session = initialCardSession;
    this.lastAuthAtMs = undefined;
    this.customData = undefined;
  }

  /** Always resolves a response APDU (data ‖ SW1 SW2); never rejects. */
  processApdu(command: Uint8Array): Promise<Uint8Array> {
    const answer = this.queue.then(() => this.answer(command));
    this.queue = answer.catch(() => undefined);
    return answer.catch(() => {
      this.session = initialCardSession;
      return encodeResponseApdu({ data: new Uint8Array(0), sw: SW.UNKNOWN_ERROR });
    });
  }

  private async answer(command: Uint8Array): Promise<Uint8Array> {
    const user = this.usableSession();
    const card = user?.state.token === undefined ? undefined : this.cardOf(user.state.token);
    const step = stepCard(this.session, command, card);
    if (step.kind === 'respond') {
      this.session = step.next;
      return encodeResponseApdu({ data: step.data, sw: step.sw });
    }
    if (user === undefined || card === undefined)
      throw new Error('the state machine asked for a card it was not given');
    if (step.kind === 'gpo') return this.gpo(user, card, step.next);
    this.session = step.next;
    return this.generateAc(user, card, step.requested, step.cdolValues);
  }

  private usableSession(): Session | undefined {
    if (!this.context.connected || this.context.storageBroken) return undefined;
    return this.context.require();
  }

  private cardOf(token: TokenRecord): CardStatics {
    if (this.statics?.tokenUniqueReference !== token.tokenUniqueReference) {
      this.statics = {
        tokenUniqueReference: token.tokenUniqueReference,
        card: buildCardStatics(token.cardProfile),
      };
    }
    return this.statics.card;
  }

  private gpo(user: Session, card: CardStatics, next: CardSessionState): Uint8Array {
    const listener = this.context.deps.listener;
    safely(() => listener.onTransactionStart?.());
    const token = user.state.token;
    const refusal: 'TOKEN_UNAVAILABLE' | 'INSUFFICIENT_CREDENTIALS' | undefined =
      token === undefined || token.locked || token.activation !== 'ACTIVE'
        ? 'TOKEN_UNAVAILABLE'
        : credentialsRemaining(user.wallet) === 0
          ? 'INSUFFICIENT_CREDENTIALS'
          : undefined;
    if (refusal !== undefined) {
      this.session = initialCardSession;
      this.fail(numbered(refusal));
      return encodeResponseApdu({ data: new Uint8Array(0), sw: SW.CONDITIONS_NOT_SATISFIED });
    }
    this.session = next;
    return encodeResponseApdu({ data: card.gpoResponse, sw: SW.OK });
  }

  private async generateAc(
    user: Session,
    card: CardStatics,
    requested: RequestedCryptogram,
    values: ReadonlyMap<string, Uint8Array>,
  ): Promise<Uint8Array> {
    const { deps } = this.context;
    const transactionInfo = transactionInfoOf(values, this.context.config.noCvmLimitMinor);
    const token = user.state.token;
    if (transactionInfo === undefined || token === undefined) {
      this.fail(numbered('INVALID_INPUT_PARAMETERS', 'malformed CDOL data'));
      return encodeResponseApdu({ data: new Uint8Array(0), sw: SW.WRONG_DATA });
    }
    if (token.locked || token.activation !== 'ACTIVE') {
      // Locked between GPO and GENERATE AC (lock() just finished): refuse without spending.
      this.fail({ ...numbered('TOKEN_UNAVAILABLE'), transactionInfo });
      return encodeResponseApdu({ data: new Uint8Array(0), sw: SW.CONDITIONS_NOT_SATISFIED });
    }
    const decided = await this.decide(user, token, requested, transactionInfo);
    const spent = await this.spend(user);
    if (spent === undefined) {
      this.fail({ ...numbered('INSUFFICIENT_CREDENTIALS'), transactionInfo });
      return encodeResponseApdu({ data: new Uint8Array(0), sw: SW.CONDITIONS_NOT_SATISFIED });
    }
    const data = generateAcResponse({
      cipher: deps.cipher,
      card,
      credential: spent,
      values,
      outcome: decided.outcome,
      customData: this.customData,
    });
    this.report(spent.atc, transactionInfo, decided);
    if (decided.outcome.cryptogram === 'ARQC') {
      // Armed only: the polls run on the clock after this answer has gone to the reader.
      this.results.watch({
        userId: user.userId,
        tokenUniqueReference: token.tokenUniqueReference,
        atc: spent.atc,
        transactionInfo,
      });
    }
    this.replenisher.afterTransaction(user);
    return encodeResponseApdu({ data, sw: SW.OK });
  }

  /** The cryptogram this tap gets: the terminal's request, the app's permit and the no-CVM limit. */
  private async decide(
    user: Session,
    token: TokenRecord,
    requested: RequestedCryptogram,
    transactionInfo: TransactionInfo,
  ): Promise<Decided> {
    const { clock, permit } = this.context.deps;
    const config = this.context.config;
    const authBefore =
      this.lastAuthAtMs !== undefined && clock.nowMs() - this.lastAuthAtMs <= config.authValidityMs;
    const transitExempt =
      config.isSupportTransit &&
      config.isSupportTransitWithoutConsent &&
      transactionInfo.richTransactionType === 'TRANSIT';
    const aboveNoCvmLimit = transactionInfo.transactionRange === 'HIGH_VALUE' && !transitExempt;
    const riskControlDecision: RiskControlDecision = aboveNoCvmLimit && !authBefore ? 'NEED_AUTH' : 'PROCEED';
    const riskInfo: RiskControlInfo = {
      riskControlDecision,
      aboveNoCvmLimit,
      credentialsRemaining: credentialsRemaining(user.wallet),
      tokenUniqueReference: token.tokenUniqueReference,
      isSupportLockScreenPay: this.context.isSupportLockScreenPay,
    };
    let decision: PermitDecision;
    try {
      decision = permit
        ? knownDecision(await this.askPermit(() => permit.isAllowed(authBefore, transactionInfo, riskInfo)))
        : riskControlDecision;
    } catch {
      decision = 'DECLINE';
    }
    // The card enforces the limit itself: a permit that says PROCEED cannot skip on-device CVM.
    if (decision === 'PROCEED' && riskControlDecision === 'NEED_AUTH') decision = 'NEED_AUTH';
    const aac = (failure: TransactionFailureResult, seePhone = false): Decided => ({
      outcome: { cryptogram: 'AAC', onDeviceCvm: false, seePhone },
      failure,
    });
    if (decision === 'NEED_AUTH') return aac('CDCVM_REQUIRED', true);
    if (decision !== 'PROCEED') return aac(decision);
    if (requested === 'AAC') return aac('TERMINAL_DECLINED');
    return { outcome: { cryptogram: 'ARQC', onDeviceCvm: authBefore, seePhone: false } };
  }

  /**
   * The reader waits for GENERATE AC only so long: a permit that does not answer within
   * permitTimeoutMs declines the tap rather than letting the terminal time out with no cryptogram.
   */
  private askPermit(ask: () => Promise<PermitDecision>): Promise<PermitDecision> {
    const { clock } = this.context.deps;
    const config = this.context.config;
    return new Promise<PermitDecision>((resolve, reject) => {
      const timer = clock.setTimer(config.permitTimeoutMs, () => resolve('DECLINE'));
      ask().then(
        (decision) => {
          timer.cancel();
          resolve(decision);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error);
        },
      );
    });
  }

  /** Spends the next credential and persists that BEFORE any cryptogram is computed or sent. */
  private spend(user: Session) {
    return this.context.writes.run(async () => {
      const wallet = user.wallet;
      if (wallet === undefined) return undefined;
      const taken = spendNext(wallet);
      if (taken === undefined) return undefined;
      // Spent in memory first: if the write fails after reaching the disk, this process still never
      // reuses the ATC; if it failed before, no cryptogram leaves (processApdu answers 6F00).
      user.wallet = taken.next;
      await this.context.saveWallet(user, taken.next);
      return taken.credential;
    });
  }

  private report(atc: number, transactionInfo: TransactionInfo, decided: Decided): void {
    const listener = this.context.deps.listener;
    const { outcome, failure } = decided;
    if (outcome.cryptogram === 'ARQC') {
      // (tapkit) Custom data is one-shot: it belongs to the payment that carried it, not to the next.
      this.customData = undefined;
      const context: TransactionCompleteContext = {
        mcc: transactionInfo.merchantCategoryCode,
        currencyCode: transactionInfo.currencyCode,
        amount: transactionInfo.authorizedAmountMinor,
        transactionRange: completedRangeOf(transactionInfo),
        richTransactionType: completedTransactionTypeOf(transactionInfo),
        transactionInfo,
        atc,
        cryptogram: 'ARQC',
        onDeviceCvm: outcome.onDeviceCvm,
      };
      safely(() => listener.onTransactionComplete?.(context));
      return;
    }
    if (outcome.seePhone) safely(() => listener.onTransactionAuth?.(transactionInfo));
    const result = failure ?? 'DECLINE';
    const base = result === 'CDCVM_REQUIRED' ? numbered('CDCVM_REQUIRED') : { result };
    this.fail({ ...base, transactionInfo, atc });
  }

  private fail(failure: TransactionFailure): void {
    const listener = this.context.deps.listener;
    safely(() => listener.onTransactionFailed?.(failure));
  }
}

interface Decided {
  readonly outcome: CryptogramOutcome;
  /** Why the card answers an AAC; absent for an ARQC. */
  readonly failure?: TransactionFailureResult;
}

const PERMIT_DECISIONS: ReadonlySet<string> = new Set<PermitDecision>([
  'PROCEED',
  'DECLINE',
  'NEED_AUTH',
  'APP_CUSTOM_DECLINE_1',
  'APP_CUSTOM_DECLINE_2',
  'APP_CUSTOM_DECLINE_3',
  'APP_CUSTOM_DECLINE_4',
]);

/** A permit answer outside the SPI's values (an app bug) declines the tap. */
function knownDecision(decision: PermitDecision): PermitDecision {
  return PERMIT_DECISIONS.has(decision) ? decision : 'DECLINE';
}

/**
 * A failure with one of the SDK's numbered results (docs/protocol/sdk.md#result-codes): the result name and
 * the SdkError.
 */
function numbered(
  result: 'CDCVM_REQUIRED' | 'INSUFFICIENT_CREDENTIALS' | 'TOKEN_UNAVAILABLE' | 'INVALID_INPUT_PARAMETERS',
  detail?: string,
): TransactionFailure {
  return { result, error: SdkError.of(result, detail) };
}

/** App callbacks must not break the card dialogue: their exceptions are the app's bugs. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch {
    // Deliberately ignored; see above.
  }
}
