// The Ant server's operations: the SDK's SYNC_TOKEN / NOTIFY / TRANSFER (through the MPP's signed
// sdkProxy), and the token service's authorizeService / notifyTokenUpdated. Each reads what it needs,
// asks the pure rules in domain/, writes with compare-and-set, and answers a wire value.
import {
  type AuthorizeServiceRequest,
  type AuthorizeServiceResponse,
  type Clock,
  result as catalogResult,
  type NotifyTokenUpdatedRequest,
  type NotifyTokenUpdatedResponse,
  parseRequestTime,
  type ResultCode,
  type SdkProxyRequest,
  type SdkProxyResponse,
  sdkBodyCharsMax,
} from '@tapkit/protocol';
import {
  ANT_REQUEST_TYPES,
  type AntError,
  AntRequestSchemas,
  type AntRequestType,
  antError,
  EVENTS_PER_PULL_MAX,
  type NfcIssueConfig,
  type NotifyRequest,
  type SyncTokenRequest,
  TOKENS_PER_STATUS_MAX,
  type TokenEventKind,
  type TransactionResult,
  TransactionResultSchema,
  type TransferRequest,
} from '@tapkit/protocol/wire/ant-sdk';
import { decideAuthorization } from './domain/authorize.ts';
import {
  type AntToken,
  type CardholderOp,
  eventKindOf,
  foldMastercardState,
  initialConfirmation,
  planCardholderOp,
  tokenInfoOf,
} from './domain/token.ts';
import type {
  AntStore,
  AuthorizationDecidedInput,
  MastercardOutcome,
  MastercardTokenManagement,
  StoredEvent,
} from './ports.ts';

export interface AntMppSettings {
  readonly clientId: string;
  /** SDK status 21: the user confirms a second time after activation. */
  readonly secondaryConfirmationRequired?: boolean;
  /**
   * The remote configuration this MPP's SDKs read (`nfc_issue_config`). Fields left out are not sent,
   * so the SDK keeps its local value for them; absent: an empty configuration.
   */
  readonly nfcIssueConfig?: NfcIssueConfig;
}

export interface AntLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AntServiceDeps {
  store: AntStore;
  mastercard: MastercardTokenManagement;
  clock: Clock;
  mpps: readonly AntMppSettings[];
  logger?: AntLogger;
}

/** Compare-and-set races on one token before giving up. */
export const UPDATE_ATTEMPTS_MAX = 8;
/** Customers sharing one id across MPPs that authorizeService looks at (two already mean ambiguous). */
const CANDIDATES_MAX = 4;

type Answer = { ok: true; value: unknown } | { ok: false; error: AntError };
type Owner = { mppClientId: string; customerId: string };

const failed = (error: AntError): Answer => ({ ok: false, error });
/** A catalog result as a plain object (the wire schemas' loose objects take no interface). */
const result = (code: ResultCode, message?: string) => ({ ...catalogResult(code, message) });

const quiet: AntLogger = { info() {}, warn() {} };

export class AntService {
  private readonly mpps: Map<string, AntMppSettings>;
  private readonly logger: AntLogger;

  constructor(private readonly deps: AntServiceDeps) {
    this.mpps = new Map(deps.mpps.map((mpp) => [mpp.clientId, mpp]));
    this.logger = deps.logger ?? quiet;
  }

  /** Operator action: a FROZEN customer gets no new token and cannot activate or unlock. */
  async setCustomerStatus(
    mppClientId: string,
    customerId: string,
    status: 'ACTIVE' | 'FROZEN',
  ): Promise<void> {
    await this.deps.store.setCustomerStatus(mppClientId, customerId, status, this.deps.clock.nowMs());
  }

  // ---- sdkProxy ----

  async handleSdkProxy(mppClientId: string, request: SdkProxyRequest): Promise<SdkProxyResponse> {
    const type = request.sdkRequestType;
    if (!(ANT_REQUEST_TYPES as readonly string[]).includes(type)) {
      return {
        result: result(
          'PARAM_ILLEGAL',
          `sdkRequestType ${type.slice(0, 32)} is not served by the Ant server`,
        ),
      };
    }
    // The doc makes the SDK's header REQUIRED; the signed schema checks it too, this guards direct callers.
    if (typeof request.sdkRequestHeader !== 'string' || request.sdkRequestHeader.length === 0) {
      return { result: result('PARAM_ILLEGAL', 'sdkRequestHeader is required') };
    }
    const owner = { mppClientId, customerId: request.customerId };
    const answer = await this.dispatch(owner, type as AntRequestType, request.sdkRequestBody);
    return { result: result('SUCCESS'), sdkResponseBody: JSON.stringify(answer) };
  }

  private async dispatch(owner: Owner, type: AntRequestType, bodyText: string): Promise<Answer> {
    const parsed = AntRequestSchemas[type].safeParse(parseJson(bodyText));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where =
        issue === undefined || issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
      return failed(antError('INVALID_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`));
    }
    const customer = await this.deps.store.touchCustomer(
      owner.mppClientId,
      owner.customerId,
      this.deps.clock.nowMs(),
    );
    const body = parsed.data;
    if (customer.status !== 'ACTIVE' && needsActiveCustomer(body.op))
      return failed(antError('CUSTOMER_NOT_ACTIVE'));
    switch (type) {
      case 'SYNC_TOKEN':
        return this.syncToken(owner, customer.status, body as SyncTokenRequest);
      case 'NOTIFY':
        return this.pull(owner, body as NotifyRequest);
      case 'TRANSFER':
        return this.activationResult(owner, body as TransferRequest);
    }
  }

  private async syncToken(
    owner: Owner,
    customerStatus: 'ACTIVE' | 'FROZEN',
    body: SyncTokenRequest,
  ): Promise<Answer> {
    if (body.op === 'STATUS') {
      const tokens = await this.deps.store.listTokens(
        owner.mppClientId,
        owner.customerId,
        TOKENS_PER_STATUS_MAX,
      );
      const live = tokens.filter((t) => t.tokenState !== 'DEACTIVATED' && t.applicationStatus === 'APPROVED');
      return { ok: true, value: { customerStatus, tokens: live.map(tokenInfoOf) } };
    }
    if (body.op === 'NFC_ISSUE_CONFIG')
      return { ok: true, value: { ...(this.mpps.get(owner.mppClientId)?.nfcIssueConfig ?? {}) } };
    const token = await this.ownedToken(owner, body.tokenUniqueReference);
    if (token === undefined) return failed(antError('TOKEN_NOT_EXIST'));
    switch (body.op) {
      case 'APPLICATION_STATUS':
        return { ok: true, value: tokenInfoOf(token) };
      case 'ACTIVATE':
        return this.activate(token);
      case 'CONFIRM_ACTIVATION':
        return this.confirm(token);
      case 'LOCK':
      case 'UNLOCK':
      case 'DELETE':
        return this.cardholderOp(token, body.op);
    }
  }

  private async activate(token: AntToken): Promise<Answer> {
    if (token.applicationStatus !== 'APPROVED') return failed(antError('APPLICATION_DECLINED'));
    if (token.tokenState === 'DEACTIVATED') return failed(antError('TOKEN_DEACTIVATED'));
    const secondary = this.mpps.get(token.mppClientId)?.secondaryConfirmationRequired ?? false;
    return this.update(token.tokenUniqueReference, (t) =>
      t.activation === 'ACTIVATED'
        ? undefined
        : { activation: 'ACTIVATED', confirmation: initialConfirmation(secondary) },
    );
  }

  private async confirm(token: AntToken): Promise<Answer> {
    if (token.activation !== 'ACTIVATED') return failed(antError('TOKEN_NOT_ACTIVE'));
    if (token.confirmation === 'NOT_REQUIRED') return failed(antError('CONFIRMATION_NOT_REQUIRED'));
    return this.update(
      token.tokenUniqueReference,
      (t) => (t.confirmation === 'REQUIRED' ? { confirmation: 'CONFIRMED' } : undefined),
      'CONFIRMED',
    );
  }

  /** LOCK / UNLOCK / DELETE: Mastercard first; the status changes only when Mastercard confirmed. */
  private async cardholderOp(token: AntToken, op: CardholderOp): Promise<Answer> {
    const plan = planCardholderOp(token, op);
    if (plan.kind === 'refuse') return failed(plan.error);
    if (plan.kind === 'noop') return { ok: true, value: tokenInfoOf(token) };
    const tur = token.tokenUniqueReference;
    const mastercard = this.deps.mastercard;
    const outcome: MastercardOutcome =
      op === 'LOCK'
        ? await mastercard.suspend(tur, 'CARDHOLDER')
        : op === 'UNLOCK'
          ? await mastercard.unsuspend(tur, 'CARDHOLDER')
          : await mastercard.delete(tur);
    if (outcome.kind === 'unavailable') {
      this.logger.warn(
        { tokenUniqueReference: tur, op, detail: outcome.detail },
        'mastercard did not confirm',
      );
      return failed(antError('MASTERCARD_UNAVAILABLE'));
    }
    if (outcome.kind === 'refused') {
      this.logger.warn({ tokenUniqueReference: tur, op, code: outcome.code }, 'mastercard refused');
      return failed(antError('MASTERCARD_REJECTED', `${outcome.code}: ${outcome.message}`.slice(0, 256)));
    }
    return this.foldState(tur, outcome.token, this.deps.clock.nowMs(), true);
  }

  private async pull(owner: Owner, body: NotifyRequest): Promise<Answer> {
    const after = body.afterSequence ?? 0;
    const listed = await this.deps.store.listEvents(owner, after, body.limit ?? EVENTS_PER_PULL_MAX);
    const events = fittingEvents(listed);
    const lastSequence = events.at(-1)?.sequence ?? after;
    return { ok: true, value: { events, lastSequence } };
  }

  /**
   * (tapkit) The issuer processor decided an authorization made with the token: the result joins the
   * owner's event feed (TRANSACTION_RESULT), where the SDK pulls it after the tap. A token Alipay+ does
   * not know is logged and skipped: the network's answer stands either way.
   */
  async recordTransactionResult(input: AuthorizationDecidedInput): Promise<void> {
    const tur = input.tokenUniqueReference;
    const token = await this.deps.store.findToken(tur);
    const parsed = TransactionResultSchema.safeParse(transactionOf(input));
    if (token === undefined || !parsed.success) {
      this.logger.warn(
        { tokenUniqueReference: tur, networkTraceId: input.networkTraceId, known: token !== undefined },
        'transaction result not recorded',
      );
      return;
    }
    await this.deps.store.appendEvent(token, {
      tokenUniqueReference: tur,
      kind: 'TRANSACTION_RESULT',
      token: tokenInfoOf(token),
      eventTimeMs: this.deps.clock.nowMs(),
      transaction: parsed.data,
    });
    this.logger.info(
      { tokenUniqueReference: tur, networkTraceId: input.networkTraceId, de39: input.de39 },
      'transaction result recorded',
    );
  }

  private async activationResult(owner: Owner, body: TransferRequest): Promise<Answer> {
    const token = await this.ownedToken(owner, body.tokenUniqueReference);
    if (token === undefined) return failed(antError('TOKEN_NOT_EXIST'));
    this.logger.info(
      { tokenUniqueReference: token.tokenUniqueReference, result: body.result },
      'activation result',
    );
    if (body.result === 'SUCCESS') return { ok: true, value: tokenInfoOf(token) };
    // The SDK gave up on this token: the application failed; Mastercard deactivates it on its side.
    return this.update(token.tokenUniqueReference, (t) =>
      t.applicationStatus === 'APPROVED' && t.tokenState === 'INACTIVE'
        ? { applicationStatus: 'FAILED' }
        : undefined,
    );
  }

  // ---- token service → Alipay+ ----

  async authorizeService(request: AuthorizeServiceRequest): Promise<AuthorizeServiceResponse> {
    const decided = (decision: 'APPROVED' | 'DECLINED') => ({ result: result('SUCCESS'), decision });
    const earlier = await this.deps.store.findAuthorization(request.requestId);
    if (earlier !== undefined) return decided(earlier.decision);
    const nowMs = this.deps.clock.nowMs();
    const candidates = await this.deps.store.findCustomersById(request.customerId, CANDIDATES_MAX);
    const verdict = decideAuthorization(candidates, (clientId) => this.mpps.has(clientId));
    let decision: 'APPROVED' | 'DECLINED' = verdict.decision;
    if (verdict.owner !== undefined) {
      const token = newToken(request.tokenUniqueReference, verdict.owner, decision, nowMs);
      const fresh = await this.deps.store.insertToken(token);
      const existing = fresh ? token : await this.deps.store.findToken(request.tokenUniqueReference);
      // A reference already owned by someone else is never handed to a second owner, and one recorded
      // as declined stays declined: the answer must agree with the stored mapping.
      const sameOwner =
        existing?.mppClientId === token.mppClientId && existing.customerId === token.customerId;
      if (!sameOwner || existing?.applicationStatus !== 'APPROVED') decision = 'DECLINED';
      else if (fresh && decision === 'APPROVED') await this.appendEvent(token, 'APPROVED');
    }
    const won = await this.deps.store.insertAuthorization({
      requestId: request.requestId,
      tokenUniqueReference: request.tokenUniqueReference,
      customerId: request.customerId,
      decision,
      createdAtMs: nowMs,
    });
    if (!won) {
      const stored = await this.deps.store.findAuthorization(request.requestId);
      if (stored !== undefined) decision = stored.decision;
    }
    const reason = verdict.decision === 'DECLINED' ? verdict.reason : undefined;
    this.logger.info(
      { tokenUniqueReference: request.tokenUniqueReference, decision, reason },
      'authorizeService',
    );
    return decided(decision);
  }

  async notifyTokenUpdated(request: NotifyTokenUpdatedRequest): Promise<NotifyTokenUpdatedResponse> {
    const token = await this.deps.store.findToken(request.tokenUniqueReference);
    if (token === undefined) {
      return {
        result: {
          resultCode: 'TOKEN_NOT_EXIST',
          resultStatus: 'F',
          resultMessage: 'The token is not known to Alipay+.',
        },
      };
    }
    if (token.customerId !== request.customerId)
      return { result: result('PARAM_ILLEGAL', 'customerId does not own the token') };
    const eventTimeMs = parseRequestTime(request.eventTime) ?? this.deps.clock.nowMs();
    const folded = await this.foldState(token.tokenUniqueReference, request, eventTimeMs, false);
    return folded.ok ? { result: result('SUCCESS') } : { result: result('UNKNOWN_EXCEPTION') };
  }

  // ---- internals ----

  private async foldState(
    tur: string,
    state: { tokenState: AntToken['tokenState']; suspendedBy: readonly AntToken['suspendedBy'][number][] },
    stateTimeMs: number,
    authoritative: boolean,
  ): Promise<Answer> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS_MAX; attempt++) {
      const token = await this.deps.store.findToken(tur);
      if (token === undefined) return failed(antError('TOKEN_NOT_EXIST'));
      const folded = foldMastercardState(token, state, stateTimeMs, authoritative);
      if (!folded.changed) return { ok: true, value: tokenInfoOf(token) };
      const next = this.touched(token, {
        tokenState: folded.tokenState,
        suspendedBy: folded.suspendedBy,
        stateTimeMs,
      });
      if (await this.deps.store.updateToken(next, token.version)) {
        await this.appendEvent(next, eventKindOf(token.tokenState, next.tokenState));
        return { ok: true, value: tokenInfoOf(next) };
      }
    }
    return failed(antError('INTERNAL_ERROR', 'the token changed concurrently too often'));
  }

  /** Applies `change` (undefined: nothing to do) with compare-and-set; records `event` when it changed. */
  private async update(
    tur: string,
    change: (token: AntToken) => Partial<AntToken> | undefined,
    event?: TokenEventKind,
  ): Promise<Answer> {
    for (let attempt = 1; attempt <= UPDATE_ATTEMPTS_MAX; attempt++) {
      const token = await this.deps.store.findToken(tur);
      if (token === undefined) return failed(antError('TOKEN_NOT_EXIST'));
      const delta = change(token);
      if (delta === undefined) return { ok: true, value: tokenInfoOf(token) };
      const next = this.touched(token, delta);
      if (await this.deps.store.updateToken(next, token.version)) {
        if (event !== undefined) await this.appendEvent(next, event);
        return { ok: true, value: tokenInfoOf(next) };
      }
    }
    return failed(antError('INTERNAL_ERROR', 'the token changed concurrently too often'));
  }

  private touched(token: AntToken, delta: Partial<AntToken>): AntToken {
    return { ...token, ...delta, version: token.version + 1, updatedAtMs: this.deps.clock.nowMs() };
  }

  private async appendEvent(token: AntToken, kind: TokenEventKind): Promise<void> {
    await this.deps.store.appendEvent(token, {
      tokenUniqueReference: token.tokenUniqueReference,
      kind,
      token: tokenInfoOf(token),
      eventTimeMs: this.deps.clock.nowMs(),
    });
  }

  private async ownedToken(owner: Owner, tur: string): Promise<AntToken | undefined> {
    const token = await this.deps.store.findToken(tur);
    // Another customer's token is reported as absent: its existence is none of this caller's business.
    if (
      token === undefined ||
      token.mppClientId !== owner.mppClientId ||
      token.customerId !== owner.customerId
    ) {
      return undefined;
    }
    return token;
  }
}

function newToken(tur: string, owner: Owner, decision: 'APPROVED' | 'DECLINED', nowMs: number): AntToken {
  return {
    tokenUniqueReference: tur,
    mppClientId: owner.mppClientId,
    customerId: owner.customerId,
    applicationStatus: decision,
    tokenState: 'INACTIVE',
    suspendedBy: [],
    stateTimeMs: nowMs,
    activation: 'PENDING',
    confirmation: 'NOT_REQUIRED',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    version: 1,
  };
}

function transactionOf(input: AuthorizationDecidedInput): TransactionResult {
  return {
    atc: input.atc,
    networkTraceId: input.networkTraceId,
    approved: input.approved,
    de39: input.de39,
    ...(input.resultCode === undefined ? {} : { resultCode: input.resultCode }),
    amount: { currency: input.amount.currency, value: input.amount.value },
    ...(input.customData === undefined ? {} : { customData: input.customData }),
  };
}

/** Room for the answer's envelope ({ ok, value: { events: [], lastSequence } }) within sdkResponseBody. */
const PULL_ENVELOPE_CHARS = 96;

/**
 * (tapkit) The first events whose answer fits in sdkResponseBody: a transaction result with custom data
 * is larger than a token event, so 50 of them may not fit; the rest come with the next PULL. At least
 * one event always goes (a single event is far below the limit).
 */
function fittingEvents(events: readonly StoredEvent[]): StoredEvent[] {
  let chars = PULL_ENVELOPE_CHARS;
  const kept: StoredEvent[] = [];
  for (const event of events.slice(0, EVENTS_PER_PULL_MAX)) {
    chars += JSON.stringify(event).length + 1;
    if (kept.length > 0 && chars > sdkBodyCharsMax) break;
    kept.push(event);
  }
  return kept;
}

/** A frozen customer may still look, lock and delete; not activate, confirm or unlock. */
function needsActiveCustomer(op: string): boolean {
  return op === 'ACTIVATE' || op === 'CONFIRM_ACTIVATION' || op === 'UNLOCK';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
