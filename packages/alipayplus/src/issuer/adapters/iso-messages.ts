import {
  type FieldValue,
  getSubelements,
  getText,
  getTlv,
  type Iso8583Message,
  RESPONSE_CODE,
  responseMti,
  type Subelement,
} from '@tapkit/emv';
import currencyCodes from 'currency-codes';

// Reading the network's ISO 8583:1987 messages into plain data for the processor, and building its
// answers. Field usage follows packages/mastercard/src/network (tapkit layout, see src/issuer/README.md):
// DE48 01 token unique reference, 02 custom data, 03 funding reference (= the MPP customer id), 04 the
// original network trace id of an incremental; DE61 the authorization type by name; DE63 the network
// trace id; DE90 original data elements; DE95 first 12 digits the amount that stays approved.

export const DE48 = {
  TOKEN_UNIQUE_REFERENCE: '01',
  CUSTOM_DATA: '02',
  FUNDING_REFERENCE: '03',
  ORIGINAL_NETWORK_TRACE_ID: '04',
} as const;

export type MessageAuthorizationType = 'FINAL' | 'PRE_AUTH' | 'INCREMENTAL' | 'UNDEFINED';

const de61Types: Readonly<Record<string, MessageAuthorizationType>> = {
  FINAL: 'FINAL',
  PRE_AUTHORIZATION: 'PRE_AUTH',
  PRE_AUTH: 'PRE_AUTH',
  INCREMENTAL: 'INCREMENTAL',
  UNDEFINED: 'UNDEFINED',
};

export interface NetworkMessage {
  readonly mti: string;
  readonly networkTraceId: string;
  readonly isRefund: boolean;
  readonly type: MessageAuthorizationType;
  readonly amountMinor: bigint;
  readonly amountText: string;
  readonly currency: string;
  readonly tokenUniqueReference: string;
  readonly customerId: string;
  readonly originalNetworkTraceId: string | undefined;
  readonly merchantId: string | undefined;
  readonly merchantName: string | undefined;
  readonly mcc: string | undefined;
  readonly terminalId: string | undefined;
  readonly acquirerId: string | undefined;
  /** DE95's amount that stays approved; undefined for a full reversal. */
  readonly replacementMinor: bigint | undefined;
  /** Passed through to the pay request. */
  readonly details: Record<string, unknown>;
}

export type ParseError = {
  readonly responseCode: (typeof RESPONSE_CODE)[
    | 'INVALID_TRANSACTION'
    | 'INVALID_AMOUNT'
    | 'INVALID_CARD'
    | 'FORMAT_ERROR'];
  readonly detail: string;
};

const trimmed = (value: string | undefined): string | undefined => {
  const text = value?.trim();
  return text === undefined || text === '' ? undefined : text;
};

/** ISO 4217 numeric (DE49) to alphabetic; undefined for an unknown code. */
export function currencyOfNumeric(numeric: string): string | undefined {
  return currencyCodes.number(numeric)?.code;
}

export function numericOfCurrency(code: string): string | undefined {
  return currencyCodes.code(code)?.number;
}

function subelement(elements: readonly Subelement[], id: string): string | undefined {
  return elements.find((element) => element.id === id)?.value;
}

/** Reads the fields every 0100/0120/0400/0420 must carry. */
export function parseNetworkMessage(message: Iso8583Message): NetworkMessage | ParseError {
  const networkTraceId = trimmed(getText(message, 63));
  // A reversal names its authorization by DE63; its DE4 / DE49 are informative and may be absent.
  const isReversal = message.mti === '0400' || message.mti === '0420';
  const amountText = getText(message, 4) ?? (isReversal ? '0' : undefined);
  const currency = currencyOfNumeric(getText(message, 49) ?? '') ?? (isReversal ? 'XXX' : undefined);
  const elements = getSubelements(message, 48) ?? [];
  const tokenUniqueReference = subelement(elements, DE48.TOKEN_UNIQUE_REFERENCE);
  const customerId = subelement(elements, DE48.FUNDING_REFERENCE);
  if (networkTraceId === undefined || amountText === undefined) {
    return { responseCode: RESPONSE_CODE.FORMAT_ERROR, detail: 'DE63 and DE4 are required' };
  }
  if (currency === undefined)
    return { responseCode: RESPONSE_CODE.FORMAT_ERROR, detail: 'DE49 is not an ISO 4217 numeric code' };
  if (tokenUniqueReference === undefined || customerId === undefined) {
    return {
      responseCode: RESPONSE_CODE.INVALID_CARD,
      detail: 'DE48 01 and 03 (token and funding references) are required',
    };
  }
  const type = de61Types[(getText(message, 61) ?? 'UNDEFINED').trim().toUpperCase() || 'UNDEFINED'];
  if (type === undefined)
    return { responseCode: RESPONSE_CODE.INVALID_TRANSACTION, detail: 'DE61 is not an authorization type' };
  return {
    mti: message.mti,
    networkTraceId,
    isRefund: (getText(message, 3) ?? '').startsWith('20'),
    type,
    amountMinor: BigInt(amountText),
    amountText: BigInt(amountText).toString(),
    currency,
    tokenUniqueReference,
    customerId,
    originalNetworkTraceId: subelement(elements, DE48.ORIGINAL_NETWORK_TRACE_ID),
    merchantId: trimmed(getText(message, 42)),
    merchantName: trimmed(getText(message, 43)),
    mcc: trimmed(getText(message, 18)),
    terminalId: trimmed(getText(message, 41)),
    acquirerId: trimmed(getText(message, 32)),
    replacementMinor: replacementOf(getText(message, 95)),
    details: detailsOf(message, elements),
  };
}

function replacementOf(de95: string | undefined): bigint | undefined {
  const head = de95?.slice(0, 12);
  if (head === undefined || !/^\d{12}$/.test(head)) return undefined;
  const value = BigInt(head);
  return value === 0n ? undefined : value;
}

function detailsOf(message: Iso8583Message, elements: readonly Subelement[]): Record<string, unknown> {
  const nfc: Record<string, string> = {};
  const posEntryMode = getText(message, 22);
  if (posEntryMode !== undefined) nfc.posEntryMode = posEntryMode;
  const atcNode = getTlv(message, 55)?.find((node) => node.tag === '9F36');
  const atc = atcNode !== undefined && 'value' in atcNode ? atcNode.value : undefined;
  if (atc instanceof Uint8Array && atc.length === 2) {
    nfc.atc = Buffer.from(atc).toString('hex').toUpperCase();
  }
  const customData = subelement(elements, DE48.CUSTOM_DATA);
  return {
    nfcTransactionInfo: nfc,
    ...(customData === undefined || customData === '' ? {} : { customData }),
  };
}

/** Fields a response echoes from its request (as the network does). */
const echoedFields: readonly number[] = [3, 4, 7, 11, 12, 13, 32, 37, 41, 42, 49, 61, 63, 70, 90, 95];

export function responseTo(
  request: Iso8583Message,
  responseCode: string,
  extra: ReadonlyMap<number, FieldValue> = new Map(),
): Iso8583Message {
  const fields = new Map<number, FieldValue>();
  for (const field of echoedFields) {
    const value = request.fields.get(field);
    if (value !== undefined) fields.set(field, value);
  }
  fields.set(39, responseCode);
  for (const [field, value] of extra) fields.set(field, value);
  return { mti: responseMti(request.mti), fields };
}

/** (tapkit) A 6-character approval code derived from the trace id, so a repeated answer is identical. */
export function approvalCodeOf(networkTraceId: string): string {
  let hash = 2166136261;
  for (let i = 0; i < networkTraceId.length; i++) {
    hash = Math.imul(hash ^ networkTraceId.charCodeAt(i), 16777619) >>> 0;
  }
  return hash.toString(36).toUpperCase().padStart(6, '0').slice(-6);
}
