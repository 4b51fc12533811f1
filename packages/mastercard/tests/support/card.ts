import {
  type ArqcData,
  bytesToHex,
  computeArqc,
  deriveIccMasterKey,
  deriveSessionKey,
  type FieldValue,
  hexToBytes,
  type Iso8583Message,
  sessionKeyInputCvn20,
  type TlvNode,
} from '@tapkit/emv';
import { nodeBlockCipher } from '@tapkit/emv/node-crypto';
import type { TokenDirectory, TokenRecord } from '../../src/ports.ts';

// A token and what its card would compute, for building 0100s with real cryptograms.

export const testImk = hexToBytes('0123456789ABCDEFFEDCBA9876543210');

export function testToken(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    tokenPan: '5413330000000019',
    state: 'ACTIVE',
    tokenUniqueReference: 'DM4MMC0000000001',
    fundingReference: 'CUST0001',
    psn: '00',
    expiry: '9912',
    ...overrides,
  };
}

export function iccMasterKeyOf(token: TokenRecord): Uint8Array {
  return deriveIccMasterKey(nodeBlockCipher, { imk: testImk, pan: token.tokenPan, psn: token.psn });
}

/** A TokenDirectory over a mutable map: tests suspend tokens by replacing the record. */
export class InMemoryTokenDirectory implements TokenDirectory {
  readonly tokens = new Map<string, TokenRecord>();
  masterKeyReads = 0;

  constructor(records: readonly TokenRecord[] = []) {
    for (const record of records) this.tokens.set(record.tokenPan, record);
  }

  async lookupByTokenPan(tokenPan: string): Promise<TokenRecord | undefined> {
    return this.tokens.get(tokenPan);
  }

  async iccMasterKey(token: TokenRecord): Promise<Uint8Array> {
    this.masterKeyReads += 1;
    return iccMasterKeyOf(token);
  }
}

export interface TapInput {
  readonly token: TokenRecord;
  readonly atc: number;
  readonly amountMinor: bigint;
  readonly stan: string;
  readonly processingCode?: string;
  readonly authorizationType?: string;
  /** Replace the computed ARQC (a forged cryptogram). */
  readonly arqcOverride?: Uint8Array;
  readonly currencyNumeric?: string;
  readonly extraFields?: ReadonlyMap<number, FieldValue>;
  /** A provisioned credential's session key; derived from the test IMK when absent. */
  readonly sessionKey?: Uint8Array;
  /** The card profile's AIP, hex. */
  readonly aip?: string;
}

function bcd(digits: string): Uint8Array {
  return hexToBytes(digits.length % 2 === 0 ? digits : `0${digits}`);
}

/** The CDOL values of a tap and the ARQC the card computes over them. */
export function cardCryptogram(input: TapInput): { data: ArqcData; arqc: Uint8Array; iad: Uint8Array } {
  const cvr = hexToBytes('A00000000000');
  const iad = hexToBytes(`0114${bytesToHex(cvr)}0000000000000000000000`.slice(0, 36));
  const atc = Uint8Array.from([(input.atc >> 8) & 0xff, input.atc & 0xff]);
  const data: ArqcData = {
    amountAuthorised: bcd(input.amountMinor.toString().padStart(12, '0')),
    amountOther: bcd('000000000000'),
    terminalCountryCode: bcd('0840'),
    tvr: hexToBytes('0000000000'),
    transactionCurrencyCode: bcd(`0${input.currencyNumeric ?? '840'}`),
    transactionDate: bcd('261125'),
    transactionType: hexToBytes((input.processingCode ?? '000000').slice(0, 2)),
    unpredictableNumber: hexToBytes('11223344'),
    aip: hexToBytes(input.aip ?? '1980'),
    atc,
    cvr,
  };
  const sessionKey =
    input.sessionKey ??
    deriveSessionKey(nodeBlockCipher, { mk: iccMasterKeyOf(input.token), r: sessionKeyInputCvn20(atc) });
  return { data, arqc: computeArqc({ cipher: nodeBlockCipher, sessionKey, data }), iad };
}

export function tapRequest(input: TapInput): Iso8583Message {
  const { data, arqc, iad } = cardCryptogram(input);
  const icc: TlvNode[] = [
    { tag: '9F26', value: input.arqcOverride ?? arqc },
    { tag: '9F27', value: hexToBytes('80') },
    { tag: '9F10', value: iad },
    { tag: '9F36', value: data.atc },
    { tag: '9F02', value: data.amountAuthorised },
    { tag: '9F03', value: data.amountOther },
    { tag: '9F1A', value: data.terminalCountryCode },
    { tag: '95', value: data.tvr },
    { tag: '5F2A', value: data.transactionCurrencyCode },
    { tag: '9A', value: data.transactionDate },
    { tag: '9C', value: data.transactionType },
    { tag: '9F37', value: data.unpredictableNumber },
    { tag: '82', value: data.aip },
    { tag: '9F6E', value: hexToBytes('C0FFEE') },
  ];
  const fields = new Map<number, FieldValue>([
    [2, input.token.tokenPan],
    [3, input.processingCode ?? '000000'],
    [4, input.amountMinor.toString().padStart(12, '0')],
    [7, '1125120000'],
    [11, input.stan],
    [12, '120000'],
    [13, '1125'],
    [14, input.token.expiry],
    [22, '071'],
    [23, `0${input.token.psn}`],
    [32, '123456'],
    [37, `RRN${input.stan}000`],
    [41, 'TERM0001'],
    [42, 'TAPKITMERCH0001'],
    [49, input.currencyNumeric ?? '840'],
    [55, icc],
    [61, input.authorizationType ?? 'FINAL'],
  ]);
  for (const [field, value] of input.extraFields ?? []) fields.set(field, value);
  return { mti: '0100', fields };
}
