import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIso8583, encodeIso8583 } from '../iso8583/codec.ts';
import { iso8583v1993Clearing } from '../iso8583/fields1993.ts';
import {
  acquirerReferenceNumber,
  arnCheckDigit,
  headerMessage,
  type PresentmentRecord,
  parseClearingMessage,
  presentmentMessage,
  trailerMessage,
  validateRecord,
} from './record.ts';

const printable = fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/);

const recordArbitrary: fc.Arbitrary<PresentmentRecord> = fc.record({
  kind: fc.constantFrom('PURCHASE' as const, 'REFUND' as const),
  amountMinor: fc.bigInt({ min: 0n, max: 999_999_999_999n }),
  currencyNumeric: fc.stringMatching(/^\d{3}$/),
  acquirerReferenceNumber: fc.stringMatching(/^\d{23}$/),
  approvalCode: fc.option(fc.stringMatching(/^[A-Z0-9]{6}$/), { nil: undefined }),
  networkTraceId: fc.option(printable, { nil: undefined }),
  localDateTime: fc.stringMatching(/^\d{12}$/),
  tokenUniqueReference: printable,
  fundingReference: printable,
  merchantId: fc.option(fc.stringMatching(/^[A-Z0-9]{15}$/), { nil: undefined }),
  terminalId: fc.option(fc.stringMatching(/^[A-Z0-9]{8}$/), { nil: undefined }),
});

describe('clearing records as ISO 8583:1993 messages', () => {
  it('round-trips any valid first presentment through the codec', () => {
    fc.assert(
      fc.property(recordArbitrary, (record) => {
        expect(validateRecord(record)).toBeUndefined();
        const bytes = encodeIso8583(iso8583v1993Clearing, presentmentMessage(record, 2));
        const decoded = decodeIso8583(iso8583v1993Clearing, bytes);
        expect(decoded.ok).toBe(true);
        if (decoded.ok) expect(parseClearingMessage(decoded.value)).toEqual({ type: 'presentment', record });
      }),
    );
  });

  it('round-trips header and trailer', () => {
    const header = parseClearingMessage(
      headerMessage({ fileId: 'MC-20261125', createdDateTime: '261125235959' }),
    );
    expect(header).toEqual({
      type: 'header',
      header: { fileId: 'MC-20261125', createdDateTime: '261125235959' },
    });
    const totals = { purchaseCount: 3, purchaseAmountMinor: 4_500n, refundCount: 1, refundAmountMinor: 200n };
    expect(parseClearingMessage(trailerMessage({ fileId: 'F', ...totals }, 6))).toEqual({
      type: 'trailer',
      trailer: { fileId: 'F', ...totals },
    });
  });

  it('refuses records the file could not carry', () => {
    const base = fc.sample(recordArbitrary, 1)[0]!;
    expect(validateRecord({ ...base, amountMinor: 1_000_000_000_000n })?.code).toBe(
      'CLEARING_RECORD_INVALID',
    );
    expect(validateRecord({ ...base, acquirerReferenceNumber: '123' })?.code).toBe('CLEARING_RECORD_INVALID');
    expect(validateRecord({ ...base, amountMinor: -1n })?.code).toBe('CLEARING_RECORD_INVALID');
  });

  it('reads a presentment the codec accepts but validateRecord refuses only when told not to validate', () => {
    const base = fc.sample(recordArbitrary, 1)[0]!;
    const short = { ...base, acquirerReferenceNumber: '12345' };
    const message = presentmentMessage(short, 2);
    expect(parseClearingMessage(message)).toMatchObject({ code: 'CLEARING_RECORD_INVALID' });
    expect(parseClearingMessage(message, { validateRecords: false })).toEqual({
      type: 'presentment',
      record: short,
    });
  });

  it('takes a header without DE12 only when told not to validate', () => {
    const full = headerMessage({ fileId: 'F', createdDateTime: '261125235959' });
    const message = { ...full, fields: new Map([...full.fields].filter(([field]) => field !== 12)) };
    expect(parseClearingMessage(message)).toMatchObject({ code: 'CLEARING_RECORD_INVALID' });
    expect(parseClearingMessage(message, { validateRecords: false })).toEqual({
      type: 'header',
      header: { fileId: 'F', createdDateTime: '' },
    });
  });

  it('builds 23-digit ARNs with a Luhn check digit', () => {
    const arn = acquirerReferenceNumber({ acquirerBin: '541333', yddd: '6330', sequence: 42n });
    expect(arn).toMatch(/^\d{23}$/);
    expect(arn.slice(0, 22)).toBe('7541333633000000000042');
    expect(arnCheckDigit('7992739871')).toBe('3');
    expect(arn.at(-1)).toBe(arnCheckDigit(arn.slice(0, 22)));
  });
});
