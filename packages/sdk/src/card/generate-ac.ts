// The GENERATE AC answer as pure functions: the transaction the terminal described, the cryptogram
// over it with the credential's session key (CVN 20), and the response template.
import {
  type ArqcData,
  type BlockCipher,
  CID,
  CVR_BYTE1,
  computeArqc,
  encodeIssuerApplicationData,
  encodeTlv,
  fromBcd,
  hexToBytes,
  type TlvNode,
  utf8ToBytes,
} from '@tapkit/emv';
import { richTransactionTypeOf, transactionRangeOf } from '../domain/transaction.ts';
import type { TransactionInfo } from '../ports.ts';
import type { StoredCredential } from '../storage/records.ts';
import type { CardStatics } from './profile.ts';

/**
 * (tapkit) POS cardholder interaction information (DF4B) for "see phone": byte 1 version 00, byte 2
 * 0x06 = "ACK required" (0x04) | "PIN required" (0x02), the Kernel 2 bits that make the reader show
 * "See phone" and ask for a second tap; byte 3 RFU.
 */
export const POSCII_SEE_PHONE = hexToBytes('000600');

const numericTags = ['9F02', '9F03', '9F1A', '5F2A', '9A', '9C', '9F15'] as const;

function digitsOf(values: ReadonlyMap<string, Uint8Array>, tag: string): string | undefined {
  const value = values.get(tag);
  return value === undefined ? undefined : fromBcd(value);
}

/**
 * The transaction from the CDOL1 values; undefined when a numeric field is not BCD (answer 6A80). The
 * range is against `noCvmLimitMinor`, in minor units of whatever currency the terminal uses (tapkit).
 */
export function transactionInfoOf(
  values: ReadonlyMap<string, Uint8Array>,
  noCvmLimitMinor: bigint,
): TransactionInfo | undefined {
  const digits = new Map<string, string>();
  for (const tag of numericTags) {
    const value = digitsOf(values, tag);
    if (value === undefined) return undefined;
    digits.set(tag, value);
  }
  const get = (tag: string, length: number) => (digits.get(tag) ?? '').slice(-length).padStart(length, '0');
  const authorizedAmountMinor = BigInt(digits.get('9F02') ?? '0');
  const merchantCategoryCode = get('9F15', 4);
  return {
    currencyCode: get('5F2A', 3),
    authorizedAmountMinor,
    transactionRange: transactionRangeOf(authorizedAmountMinor, noCvmLimitMinor),
    richTransactionType: richTransactionTypeOf(merchantCategoryCode),
    amountOtherMinor: BigInt(digits.get('9F03') ?? '0'),
    countryNumeric: get('9F1A', 3),
    transactionDate: get('9A', 6),
    transactionType: get('9C', 2),
    merchantCategoryCode,
  };
}

export interface CryptogramOutcome {
  readonly cryptogram: 'ARQC' | 'AAC';
  readonly onDeviceCvm: boolean;
  readonly seePhone: boolean;
}

/** CVR (6 bytes, tapkit): byte 1 cryptogram type | on-device CVM; the rest zero. */
export function cardVerificationResults(outcome: CryptogramOutcome): Uint8Array {
  const cvr = new Uint8Array(6);
  cvr[0] =
    (outcome.cryptogram === 'ARQC' ? CVR_BYTE1.ARQC : CVR_BYTE1.AAC) |
    (outcome.onDeviceCvm ? CVR_BYTE1.ON_DEVICE_CVM : 0);
  return cvr;
}

function field(values: ReadonlyMap<string, Uint8Array>, tag: string, lengthBytes: number): Uint8Array {
  const value = values.get(tag);
  // splitDolData gave every CDOL1 tag its listed length; a profile whose CDOL1 lacks one of the ARQC
  // inputs is zero-filled, as EMV fills data the terminal was not asked for.
  return value !== undefined && value.length === lengthBytes ? value : new Uint8Array(lengthBytes);
}

export function arqcDataOf(input: {
  card: CardStatics;
  values: ReadonlyMap<string, Uint8Array>;
  atc: number;
  cvr: Uint8Array;
}): ArqcData {
  const { values } = input;
  return {
    amountAuthorised: field(values, '9F02', 6),
    amountOther: field(values, '9F03', 6),
    terminalCountryCode: field(values, '9F1A', 2),
    tvr: field(values, '95', 5),
    transactionCurrencyCode: field(values, '5F2A', 2),
    transactionDate: field(values, '9A', 3),
    transactionType: field(values, '9C', 1),
    unpredictableNumber: field(values, '9F37', 4),
    aip: input.card.aip,
    atc: Uint8Array.of(input.atc >> 8, input.atc & 0xff),
    cvr: input.cvr,
  };
}

/** The GENERATE AC response data: 77{9F27, 9F36, 9F26, 9F10, 9F6E?, DF4B?}. */
export function generateAcResponse(input: {
  cipher: BlockCipher;
  card: CardStatics;
  credential: StoredCredential;
  values: ReadonlyMap<string, Uint8Array>;
  outcome: CryptogramOutcome;
  customData: string | undefined;
}): Uint8Array {
  const { card, credential, outcome } = input;
  const cvr = cardVerificationResults(outcome);
  const data = arqcDataOf({ card, values: input.values, atc: credential.atc, cvr });
  const sessionKey = hexToBytes(credential.sessionKey);
  const cryptogram = computeArqc({ cipher: input.cipher, sessionKey, data });
  sessionKey.fill(0);
  const iad = encodeIssuerApplicationData({
    kdi: card.keyDerivationIndex,
    cvn: card.cryptogramVersionNumber,
    cvr,
    dac: new Uint8Array(2),
    counters: new Uint8Array(8),
  });
  const children: TlvNode[] = [
    { tag: '9F27', value: Uint8Array.of(outcome.cryptogram === 'ARQC' ? CID.ARQC : CID.AAC) },
    { tag: '9F36', value: data.atc },
    { tag: '9F26', value: cryptogram },
    { tag: '9F10', value: iad },
  ];
  if (input.customData !== undefined && input.customData.length > 0) {
    children.push({ tag: '9F6E', value: utf8ToBytes(input.customData) });
  }
  if (outcome.seePhone) children.push({ tag: 'DF4B', value: POSCII_SEE_PHONE });
  return encodeTlv([{ tag: '77', children }]);
}
