import {
  equalBytesConstantTime,
  type FieldValue,
  getText,
  getTlv,
  type Iso8583Message,
  NETWORK_MANAGEMENT_CODE,
  RESPONSE_CODE,
  sessionKeyInputCvn20,
} from '@tapkit/emv';
import type { TokenRecord } from '../ports.ts';
import { logFieldsOf, type NetworkDeps } from './deps.ts';
import { type AuthorizationType, parseAuthorizationType } from './domain/authorization-type.ts';
import { readCryptogramInput } from './domain/cryptogram.ts';
import { type Decline, decline, screenIccConsistency, screenToken } from './domain/decision.ts';
import {
  acquirerKeyOf,
  arcOf,
  issuerAuthenticationData,
  responseTo,
  responseWithCode,
  standInAdvice,
  toIssuerRequest,
} from './domain/messages.ts';
import type { AuthorizationEntry } from './ports.ts';
import { handleReversal } from './reversal.ts';

export * from './deps.ts';

/** What a checked 0100 carries into the forwarding step. */
interface Screened {
  readonly token: TokenRecord;
  readonly type: AuthorizationType;
  readonly amountMinor: bigint;
  /** Present when the request carried a cryptogram: used for the ARPC. */
  readonly arpcInput: { sessionKey: Uint8Array; arqc: Uint8Array } | undefined;
  readonly original: AuthorizationEntry | undefined;
}

const refundProcessingPrefix = '20';

/** The network's message handler: one request in, at most one response out. */
export class NetworkService {
  constructor(private readonly deps: NetworkDeps) {}

  async handle(request: Iso8583Message): Promise<Iso8583Message | undefined> {
    switch (request.mti) {
      case '0100':
        return this.authorize(request);
      case '0400':
      case '0420':
        return handleReversal(this.deps, request);
      case '0800':
        return this.networkManagement(request);
      default:
        // Responses and unknown messages get no answer; requests of an unsupported type get 12.
        if (/^\d{2}[02468]\d$/.test(request.mti))
          return responseWithCode(request, RESPONSE_CODE.INVALID_TRANSACTION);
        return undefined;
    }
  }

  private networkManagement(request: Iso8583Message): Iso8583Message {
    const code = getText(request, 70);
    const known = Object.values(NETWORK_MANAGEMENT_CODE) as string[];
    const responseCode =
      code !== undefined && known.includes(code) ? RESPONSE_CODE.APPROVED : RESPONSE_CODE.INVALID_TRANSACTION;
    return responseTo(request, new Map([[39, responseCode]]));
  }

  private async authorize(request: Iso8583Message): Promise<Iso8583Message> {
    const screened = await this.screen(request);
    if ('reason' in screened) {
      this.log(
        request,
        'info',
        { reason: screened.reason, responseCode: screened.responseCode },
        'declined by the network',
      );
      return responseWithCode(request, screened.responseCode);
    }
    return this.forward(request, screened);
  }

  /** Every check the network makes itself, in order; the first failing one declines. */
  private async screen(request: Iso8583Message): Promise<Screened | Decline> {
    const pan = getText(request, 2);
    const amount = getText(request, 4);
    const currency = getText(request, 49);
    if (
      pan === undefined ||
      amount === undefined ||
      currency === undefined ||
      getText(request, 3) === undefined
    ) {
      return decline('MESSAGE_INVALID');
    }
    const type = parseAuthorizationType(getText(request, 61));
    if (type === undefined) return decline('AUTHORIZATION_TYPE_INVALID');
    const token = await this.deps.tokens.lookupByTokenPan(pan);
    const tokenDecline = screenToken(token, this.deps.clock.nowMs());
    if (tokenDecline !== undefined || token === undefined) return tokenDecline ?? decline('TOKEN_UNKNOWN');
    const original = type === 'INCREMENTAL' ? await this.originalOf(request, token) : undefined;
    if (type === 'INCREMENTAL' && original === undefined) return decline('ORIGINAL_NOT_FOUND');
    const icc = getTlv(request, 55);
    if (icc === undefined) {
      // A refund keyed in and an incremental on an open authorization come without a cryptogram.
      const cardNotPresentAllowed = this.isRefund(request) || type === 'INCREMENTAL';
      if (!cardNotPresentAllowed) return decline('ICC_DATA_MISSING');
      return { token, type, amountMinor: BigInt(amount), arpcInput: undefined, original };
    }
    const checked = await this.checkCryptogram(token, icc, {
      amountDigits: amount,
      currencyDigits: currency,
    });
    if ('reason' in checked) return checked;
    return { token, type, amountMinor: BigInt(amount), arpcInput: checked, original };
  }

  private async originalOf(
    request: Iso8583Message,
    token: TokenRecord,
  ): Promise<AuthorizationEntry | undefined> {
    const traceId = getText(request, 63);
    if (traceId === undefined) return undefined;
    const entry = await this.deps.authorizations.findByTraceId(traceId);
    const usable =
      entry?.responseCode === RESPONSE_CODE.APPROVED &&
      entry.tokenUniqueReference === token.tokenUniqueReference;
    return usable ? entry : undefined;
  }

  /** Recomputes the ARQC (MK → session key from the ATC → MAC) and records the ATC against replays. */
  private async checkCryptogram(
    token: TokenRecord,
    icc: Parameters<typeof readCryptogramInput>[0],
    request: { amountDigits: string; currencyDigits: string },
  ): Promise<{ sessionKey: Uint8Array; arqc: Uint8Array } | Decline> {
    const input = readCryptogramInput(icc);
    if (!input.ok) return decline('ICC_DATA_INVALID');
    const inconsistent = screenIccConsistency(input.value, request);
    if (inconsistent !== undefined) return inconsistent;
    const mk = await this.deps.tokens.iccMasterKey(token);
    const sessionKey = this.deps.crypto.deriveSessionKey({
      mk,
      r: sessionKeyInputCvn20(input.value.data.atc),
    });
    const expected = this.deps.crypto.computeArqc({ sessionKey, data: input.value.data });
    if (!equalBytesConstantTime(expected, input.value.arqc)) return decline('CRYPTOGRAM_MISMATCH');
    // Only a valid cryptogram spends its ATC: a forged one must not block the genuine tap.
    const recorded = await this.deps.atcLedger.record({
      tokenUniqueReference: token.tokenUniqueReference,
      atc: input.value.atc,
      seenAtMs: this.deps.clock.nowMs(),
    });
    if (recorded === 'DUPLICATE') return decline('ATC_REPLAYED');
    return { sessionKey, arqc: input.value.arqc };
  }

  private isRefund(request: Iso8583Message): boolean {
    return (getText(request, 3) ?? '').startsWith(refundProcessingPrefix);
  }

  private async forward(request: Iso8583Message, screened: Screened): Promise<Iso8583Message> {
    const networkTraceId = this.deps.ids.networkTraceId();
    const issuerRequest = toIssuerRequest(request, {
      tokenUniqueReference: screened.token.tokenUniqueReference,
      fundingReference: screened.token.fundingReference,
      networkTraceId,
      ...(screened.original ? { originalNetworkTraceId: screened.original.networkTraceId } : {}),
    });
    const result = await this.deps.issuer.exchange(issuerRequest, this.deps.config.issuerTimeoutMs);
    const outcome = result.ok
      ? {
          responseCode: validResponseCode(getText(result.value, 39)),
          approvalCode: getText(result.value, 38),
          standIn: false,
        }
      : await this.standIn(issuerRequest, screened, result.error.code);
    const extra = new Map<number, FieldValue>([
      [39, outcome.responseCode],
      [63, networkTraceId],
    ]);
    if (outcome.approvalCode !== undefined) extra.set(38, outcome.approvalCode);
    if (outcome.responseCode === RESPONSE_CODE.APPROVED && screened.arpcInput !== undefined) {
      extra.set(55, this.issuerAuthentication(screened.arpcInput, outcome.responseCode));
    }
    await this.remember(request, screened, { networkTraceId, ...outcome });
    this.log(
      request,
      'info',
      { networkTraceId, responseCode: outcome.responseCode, standIn: outcome.standIn },
      'authorization answered',
    );
    return responseTo(request, extra);
  }

  private issuerAuthentication(input: { sessionKey: Uint8Array; arqc: Uint8Array }, responseCode: string) {
    const arc = arcOf(responseCode);
    const arpc = this.deps.crypto.computeArpc({
      cvn: 20,
      keys: { mk: new Uint8Array(16), sessionKey: input.sessionKey },
      arqc: input.arqc,
      arc,
    });
    return issuerAuthenticationData(arpc, arc);
  }

  /**
   * The issuer is silent or unreachable: approve or decline for it. (tapkit) Only a stand-in approval
   * is advised (0120), since only an approval moves money the issuer must account for.
   */
  private async standIn(issuerRequest: Iso8583Message, screened: Screened, code: string) {
    const { standIn, standInAmountMaxMinor } = this.deps.config;
    const approve = standIn === 'APPROVE' && screened.amountMinor <= standInAmountMaxMinor;
    this.log(issuerRequest, 'warn', { code, approve }, 'issuer did not answer, standing in');
    if (!approve)
      return { responseCode: RESPONSE_CODE.ISSUER_UNAVAILABLE, approvalCode: undefined, standIn: true };
    const approvalCode = this.deps.ids.standInApprovalCode();
    // Stored before the acquirer hears the approval: an approval the issuer never learns of is lost money.
    await this.deps.advices.enqueue(standInAdvice(issuerRequest, approvalCode));
    return { responseCode: RESPONSE_CODE.APPROVED, approvalCode, standIn: true };
  }

  private async remember(
    request: Iso8583Message,
    screened: Screened,
    outcome: {
      networkTraceId: string;
      responseCode: string;
      approvalCode: string | undefined;
      standIn: boolean;
    },
  ): Promise<void> {
    const entry: AuthorizationEntry = {
      networkTraceId: outcome.networkTraceId,
      acquirerKey: acquirerKeyOf({
        acquirerId: getText(request, 32) ?? '',
        stan: getText(request, 11) ?? '',
        transmissionDateTime: getText(request, 7) ?? '',
      }),
      tokenUniqueReference: screened.token.tokenUniqueReference,
      fundingReference: screened.token.fundingReference,
      processingCode: getText(request, 3) ?? '000000',
      amountMinor: screened.amountMinor,
      currencyNumeric: getText(request, 49) ?? '',
      type: screened.type,
      responseCode: outcome.responseCode,
      approvalCode: outcome.approvalCode,
      standIn: outcome.standIn,
      authorizedAtMs: this.deps.clock.nowMs(),
      originalNetworkTraceId: screened.original?.networkTraceId,
      merchantId: getText(request, 42),
      terminalId: getText(request, 41),
    };
    await this.deps.authorizations.save(entry);
    if (entry.responseCode === RESPONSE_CODE.APPROVED && !this.isRefund(request)) {
      this.deps.events.authorizationApproved(entry);
    }
  }

  private log(message: Iso8583Message, level: 'info' | 'warn' | 'error', fields: object, text: string): void {
    this.deps.logger[level]({ ...logFieldsOf(message), ...fields }, text);
  }
}

/** An issuer answer without a well-formed DE39 is treated as a system error, never as an approval. */
function validResponseCode(code: string | undefined): string {
  return code !== undefined && /^[0-9A-Z]{2}$/.test(code) ? code : RESPONSE_CODE.SYSTEM_ERROR;
}
