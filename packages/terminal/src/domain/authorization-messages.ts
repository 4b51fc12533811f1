import {
  DE48_SUBELEMENT,
  type FieldValue,
  getText,
  type Iso8583Message,
  maskPan,
  responseMti,
  type Subelement,
  subelementValueCharsMax,
  type TlvNode,
} from '@tapkit/emv';
import type { CardIdentity } from './card-data.ts';
import type { TerminalConfig } from './config.ts';
import type { DateTimeFields } from './time-fields.ts';

// The acquirer's ISO 8583:1987 messages, built from the card data and the terminal's configuration,
// and the reading of the network's answers. Pure: time and numbers come in as arguments.

/** DE3: 00 purchase, 20 refund (from account type 00, to account type 00). */
export const PROCESSING_CODE = { PURCHASE: '000000', REFUND: '200000' } as const;
/** DE22: 07 contactless chip, 1 PIN entry capability (the ISO 8583 "071" of the spec). */
export const POS_ENTRY_MODE_CONTACTLESS = '071';
/** (tapkit) DE22 of a refund the merchant keys in on the panel, without a tap: 01 manual. */
export const POS_ENTRY_MODE_MANUAL = '010';
/** (tapkit) DE61 carries the authorization type by name; a tap is a final authorization. */
export const AUTHORIZATION_TYPE_FINAL = 'FINAL';

export interface AuthorizationRequestInput {
  readonly config: TerminalConfig;
  readonly identity: CardIdentity;
  readonly kind: keyof typeof PROCESSING_CODE;
  readonly amountMinor: bigint;
  readonly stan: string;
  readonly rrn: string;
  /** DE7 is UTC; DE12/13 local. */
  readonly utc: DateTimeFields;
  readonly local: DateTimeFields;
  /** DE55, absent for a refund keyed in on the panel. */
  readonly icc: readonly TlvNode[] | undefined;
  /** DE48 subelement 02 (tapkit), already checked with customDataText. */
  readonly customData: string | undefined;
}

export function buildAuthorizationRequest(input: AuthorizationRequestInput): Iso8583Message {
  const { config, identity } = input;
  const fields = new Map<number, FieldValue>([
    [2, identity.pan],
    [3, PROCESSING_CODE[input.kind]],
    [4, String(input.amountMinor).padStart(12, '0')],
    [7, input.utc.mmddhhmmss],
    [11, input.stan],
    [12, input.local.hhmmss],
    [13, input.local.mmdd],
    [14, identity.expiryYymm],
    [18, config.merchantCategoryCode],
    [22, input.icc === undefined ? POS_ENTRY_MODE_MANUAL : POS_ENTRY_MODE_CONTACTLESS],
    [32, config.acquirerId],
    [37, input.rrn],
    [41, config.terminalId],
    [42, config.merchantId],
    [43, config.merchantNameLocation.padEnd(40, ' ')],
    [49, config.currencyCode],
    [61, AUTHORIZATION_TYPE_FINAL],
  ]);
  if (identity.psn !== undefined) fields.set(23, identity.psn.padStart(3, '0'));
  if (input.customData !== undefined) {
    const subelements: Subelement[] = [{ id: DE48_SUBELEMENT.CUSTOM_DATA, value: input.customData }];
    fields.set(48, subelements);
  }
  if (input.icc !== undefined) fields.set(55, input.icc);
  return { mti: '0100', fields };
}

/**
 * (tapkit) 9F6E carries the wallet's custom data as ASCII. It goes to DE48 subelement 02 when it fits
 * a subelement (printable, at most 99 characters); otherwise it is left out rather than failing the tap.
 */
export function customDataText(customData: Uint8Array | undefined): string | undefined {
  if (customData === undefined || customData.length === 0 || customData.length > subelementValueCharsMax) {
    return undefined;
  }
  if (!customData.every((byte) => byte >= 0x20 && byte <= 0x7e)) return undefined;
  return String.fromCharCode(...customData);
}

/** Fields a reversal copies from the authorization it reverses. */
const reversalCopiedFields: readonly number[] = [2, 3, 4, 12, 13, 14, 18, 22, 23, 32, 37, 41, 42, 43, 49, 61];

/** DE90 (n42): original MTI, STAN, transmission date-time, acquirer id (11), forwarding institution (11). */
export function originalDataElements(original: Iso8583Message): string {
  return (
    original.mti +
    (getText(original, 11) ?? '').padStart(6, '0') +
    (getText(original, 7) ?? '').padStart(10, '0') +
    (getText(original, 32) ?? '').padStart(11, '0') +
    '0'.repeat(11)
  );
}

/** 0400 reversing `original` in full; a new STAN and transmission time, the original's RRN. */
export function buildReversalRequest(
  original: Iso8583Message,
  input: { stan: string; utc: DateTimeFields },
): Iso8583Message {
  const fields = new Map<number, FieldValue>();
  for (const field of reversalCopiedFields) {
    const value = original.fields.get(field);
    if (value !== undefined) fields.set(field, value);
  }
  fields.set(7, input.utc.mmddhhmmss);
  fields.set(11, input.stan);
  fields.set(90, originalDataElements(original));
  return { mti: '0400', fields };
}

export interface NetworkAnswer {
  readonly responseCode: string;
  readonly approvalCode: string | undefined;
}

/** The answer to `request`, or undefined when it is not a well-formed answer to it. */
export function readNetworkAnswer(
  request: Iso8583Message,
  response: Iso8583Message,
): NetworkAnswer | undefined {
  if (response.mti !== responseMti(request.mti)) return undefined;
  const responseCode = getText(response, 39);
  if (responseCode === undefined || !/^[0-9A-Z]{2}$/.test(responseCode)) return undefined;
  for (const field of [4, 11, 41]) {
    const echoed = response.fields.get(field);
    if (echoed !== undefined && echoed !== request.fields.get(field)) return undefined;
  }
  const approvalCode = getText(response, 38);
  return { responseCode, approvalCode };
}

/** A masked one-line view of a message for logs: never the PAN, the expiry date or DE55. */
export function logFieldsOf(message: Iso8583Message): Record<string, string | undefined> {
  const pan = getText(message, 2);
  return {
    mti: message.mti,
    stan: getText(message, 11),
    rrn: getText(message, 37),
    pan: pan === undefined ? undefined : maskPan(pan),
  };
}
