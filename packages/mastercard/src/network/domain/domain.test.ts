import {
  DE48_SUBELEMENT,
  type FieldValue,
  getSubelements,
  hexToBytes,
  type Iso8583Message,
  type TlvNode,
} from '@tapkit/emv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TokenRecord } from '../../ports.ts';
import { parseAuthorizationType } from './authorization-type.ts';
import { readCryptogramInput } from './cryptogram.ts';
import { screenIccConsistency, screenToken, yearMonthOf } from './decision.ts';
import {
  acquirerKeyOf,
  formatOriginalDataElements,
  parseOriginalDataElements,
  responseTo,
  toIssuerRequest,
} from './messages.ts';

const nowMs = Date.UTC(2026, 10, 25, 12, 0, 0);
const token: TokenRecord = {
  tokenPan: '5413330000000019',
  state: 'ACTIVE',
  tokenUniqueReference: 'TUR1',
  fundingReference: 'CUST1',
  psn: '00',
  expiry: '2912',
};

const icc: TlvNode[] = [
  { tag: '9F26', value: hexToBytes('0102030405060708') },
  { tag: '9F10', value: hexToBytes('0114A00000000000000000000000000000FF') },
  { tag: '9F36', value: hexToBytes('0102') },
  { tag: '9F02', value: hexToBytes('000000001250') },
  { tag: '9F03', value: hexToBytes('000000000000') },
  { tag: '9F1A', value: hexToBytes('0840') },
  { tag: '95', value: hexToBytes('0000000000') },
  { tag: '5F2A', value: hexToBytes('0840') },
  { tag: '9A', value: hexToBytes('261125') },
  { tag: '9C', value: hexToBytes('00') },
  { tag: '9F37', value: hexToBytes('11223344') },
  { tag: '82', value: hexToBytes('1980') },
];

describe('token screening', () => {
  it('maps unknown, non-active and expired tokens to 14, 57 and 54', () => {
    expect(screenToken(undefined, nowMs)?.responseCode).toBe('14');
    for (const state of ['SUSPENDED', 'DEACTIVATED', 'INACTIVE'] as const) {
      expect(screenToken({ ...token, state }, nowMs)?.responseCode).toBe('57');
    }
    expect(screenToken({ ...token, expiry: '2610' }, nowMs)?.responseCode).toBe('54');
    // Valid through the whole expiry month.
    expect(screenToken({ ...token, expiry: '2611' }, nowMs)).toBeUndefined();
    expect(yearMonthOf(nowMs)).toBe('2611');
  });
});

describe('cryptogram input from DE55', () => {
  it('reads the ARQC data, the ATC and the CVR from the IAD', () => {
    const read = readCryptogramInput(icc);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.value.atc).toBe(0x0102);
    expect(read.value.cvn).toBe(0x14);
    expect(Array.from(read.value.data.cvr)).toEqual([0xa0, 0, 0, 0, 0, 0]);
    expect(
      screenIccConsistency(read.value, { amountDigits: '000000001250', currencyDigits: '840' }),
    ).toBeUndefined();
    expect(
      screenIccConsistency(read.value, { amountDigits: '000000001251', currencyDigits: '840' })?.reason,
    ).toBe('ICC_AMOUNT_MISMATCH');
    expect(
      screenIccConsistency(read.value, { amountDigits: '000000001250', currencyDigits: '978' })?.reason,
    ).toBe('ICC_AMOUNT_MISMATCH');
  });

  it('names the missing or malformed tag', () => {
    expect(readCryptogramInput(icc.filter((node) => node.tag !== '9F37'))).toEqual({
      ok: false,
      error: { code: 'ICC_TAG_MISSING', tag: '9F37' },
    });
    const shortAtc = icc.map((node) =>
      node.tag === '9F36' ? { tag: '9F36', value: hexToBytes('01') } : node,
    );
    expect(readCryptogramInput(shortAtc)).toEqual({
      ok: false,
      error: { code: 'ICC_TAG_LENGTH', tag: '9F36', lengthBytes: 1 },
    });
  });
});

describe('messages', () => {
  const request: Iso8583Message = {
    mti: '0100',
    fields: new Map<number, FieldValue>([
      [2, token.tokenPan],
      [3, '000000'],
      [11, '000001'],
      [14, '2912'],
      [23, '000'],
      [48, [{ id: DE48_SUBELEMENT.CUSTOM_DATA, value: 'order-42' }]],
      [55, icc],
    ]),
  };

  it('strips the card fields and puts the references in DE48 for the issuer', () => {
    const forwarded = toIssuerRequest(request, {
      tokenUniqueReference: 'TUR1',
      fundingReference: 'CUST1',
      networkTraceId: 'T9',
    });
    expect([...forwarded.fields.keys()].sort((a, b) => a - b)).toEqual([3, 11, 48, 55, 63]);
    expect(getSubelements(forwarded)).toEqual([
      { id: '01', value: 'TUR1' },
      { id: '02', value: 'order-42' },
      { id: '03', value: 'CUST1' },
    ]);
    // The acquirer's message is not changed.
    expect(request.fields.get(2)).toBe(token.tokenPan);
  });

  it('echoes the request in a response with the response MTI', () => {
    const response = responseTo(request, new Map([[39, '00']]));
    expect(response.mti).toBe('0110');
    expect(response.fields.get(2)).toBe(token.tokenPan);
    expect(response.fields.get(39)).toBe('00');
    expect(response.fields.has(55)).toBe(false);
  });

  it('parses what it formats in DE90', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^0[124]\d0$/),
        fc.stringMatching(/^\d{6}$/),
        fc.stringMatching(/^\d{10}$/),
        fc.stringMatching(/^[1-9]\d{0,10}$/),
        (mti, stan, transmissionDateTime, acquirerId) => {
          const original = { mti, stan, transmissionDateTime, acquirerId };
          const formatted = formatOriginalDataElements(original);
          expect(formatted).toMatch(/^\d{42}$/);
          expect(parseOriginalDataElements(formatted)).toEqual(original);
          expect(acquirerKeyOf(original)).toBe(acquirerKeyOf({ ...original, acquirerId: `00${acquirerId}` }));
        },
      ),
    );
    expect(parseOriginalDataElements('123')).toBeUndefined();
  });
});

describe('authorization type (DE61)', () => {
  it('reads the four types and refuses others', () => {
    expect(parseAuthorizationType(undefined)).toBe('UNDEFINED');
    expect(parseAuthorizationType('FINAL')).toBe('FINAL');
    expect(parseAuthorizationType('PRE_AUTHORIZATION')).toBe('PRE_AUTHORIZATION');
    expect(parseAuthorizationType('INCREMENTAL')).toBe('INCREMENTAL');
    expect(parseAuthorizationType('SOMETHING')).toBeUndefined();
  });
});
