import { describe, expect, it } from 'vitest';
import { asciiToBytes, bytesToAscii, bytesToHex, concatBytes, hexToBytes } from '../bytes.ts';
import { decodeTlvOrThrow, findTlvValue } from '../tlv.ts';
import { decodeIso8583, encodeIso8583, getSubelements, getText, getTlv } from './codec.ts';
import { describeIso8583 } from './describe.ts';
import { Iso8583EncodeError } from './errors.ts';
import { iso8583v1987 } from './fields1987.ts';
import { FUNCTION_CODE, iso8583v1993Clearing } from './fields1993.ts';
import { MTI, mtiName, RESPONSE_CODE, responseMti } from './mti.ts';
import type { FieldValue, Iso8583Message } from './spec.ts';

const de55 = decodeTlvOrThrow(
  hexToBytes('9F2608CD29615D6452E70E9F2701809F10120114A00003220000000000000000000000009F360200' + '1C'),
);

function authorization(): Iso8583Message {
  const fields = new Map<number, FieldValue>([
    [2, '5413330089010012'],
    [3, '000000'],
    [4, '000000001000'],
    [7, '1125230000'],
    [11, '000123'],
    [12, '230000'],
    [13, '1125'],
    [14, '2911'],
    [18, '5411'],
    [22, '071'],
    [23, '000'],
    [32, '12345678'],
    [37, '533023000123'],
    [41, 'TERM0001'],
    [42, 'MERCHANT0000001'],
    [43, 'TAPKIT COFFEE            SINGAPORE    SG'],
    [48, [{ id: '01', value: 'DM4MMC00000000000000000000000001' }]],
    [49, '702'],
    [55, de55],
    [61, 'FINAL'],
    [63, 'MCC000000001'],
  ]);
  return { mti: MTI.AUTHORIZATION_REQUEST, fields };
}

describe('ISO 8583:1987 codec', () => {
  it('encodes MTI, a binary primary bitmap and ASCII fields', () => {
    const bytes = encodeIso8583(iso8583v1987, authorization());
    expect(bytesToAscii(bytes.subarray(0, 4))).toBe('0100');
    // Fields 2 3 4 7 | 11 12 13 14 | 18 | 22 23 | 32 | 37 | 41 42 43 | 48 49 | 55 | 61 63.
    expect(bytesToHex(bytes.subarray(4, 12))).toBe('723C460108E1820A');
    expect(bytesToAscii(bytes.subarray(12, 30))).toBe('165413330089010012');
  });

  it('round-trips an authorization with DE55 as a TLV tree and DE48 subelements', () => {
    const message = authorization();
    const decoded = decodeIso8583(iso8583v1987, encodeIso8583(iso8583v1987, message));
    expect(decoded).toEqual({ ok: true, value: message });
    if (!decoded.ok) return;
    expect(bytesToHex(findTlvValue(getTlv(decoded.value) ?? [], '9F26')!)).toBe('CD29615D6452E70E');
    expect(getSubelements(decoded.value)?.[0]?.id).toBe('01');
    expect(getText(decoded.value, 39)).toBeUndefined();
  });

  it('adds the secondary bitmap only when a field 65–128 is present', () => {
    const echo = {
      mti: MTI.NETWORK_MANAGEMENT_REQUEST,
      fields: new Map<number, FieldValue>([
        [11, '000001'],
        [70, '301'],
      ]),
    };
    const bytes = encodeIso8583(iso8583v1987, echo);
    expect(bytesToHex(bytes.subarray(4, 20))).toBe('80200000000000000400000000000000');
    expect(bytes.length).toBe(4 + 16 + 6 + 3);
    expect(decodeIso8583(iso8583v1987, bytes)).toEqual({ ok: true, value: echo });
    const primaryOnly = encodeIso8583(iso8583v1987, { mti: '0810', fields: new Map([[39, '00']]) });
    expect(primaryOnly.length).toBe(4 + 8 + 2);
  });

  it('pads fixed fields: numbers left with zeros, text right with spaces', () => {
    const message = {
      mti: '0110',
      fields: new Map<number, FieldValue>([
        [4, '1000'],
        [41, 'T1'],
      ]),
    };
    const decoded = decodeIso8583(iso8583v1987, encodeIso8583(iso8583v1987, message));
    expect(decoded.ok && getText(decoded.value, 4)).toBe('000000001000');
    expect(decoded.ok && getText(decoded.value, 41)).toBe('T1      ');
  });

  it.each<[string, Iso8583Message, string]>([
    ['a 1993 MTI in the 1987 table', { mti: '1100', fields: new Map() }, 'ISO_MTI_INVALID'],
    ['an unknown field', { mti: '0100', fields: new Map([[5, '1']]) }, 'ISO_FIELD_UNKNOWN'],
    ['letters in a numeric field', { mti: '0100', fields: new Map([[4, '12A']]) }, 'ISO_FIELD_CHARSET'],
    ['a too long fixed field', { mti: '0100', fields: new Map([[39, '000']]) }, 'ISO_FIELD_LENGTH_INVALID'],
    ['a too long LLVAR', { mti: '0100', fields: new Map([[2, '1'.repeat(20)]]) }, 'ISO_FIELD_LENGTH_INVALID'],
    ['bytes in a text field', { mti: '0100', fields: new Map([[39, new Uint8Array(2)]]) }, 'ISO_FIELD_TYPE'],
    [
      'a duplicate subelement',
      {
        mti: '0100',
        fields: new Map([
          [
            48,
            [
              { id: '01', value: 'a' },
              { id: '01', value: 'b' },
            ],
          ],
        ]),
      },
      'ISO_FIELD_SUBELEMENT_INVALID',
    ],
    [
      'an invalid TLV tree',
      { mti: '0100', fields: new Map([[55, [{ tag: '77', value: new Uint8Array(1) }]]]) },
      'ISO_FIELD_TLV_INVALID',
    ],
  ])('refuses to encode %s', (_name, message, code) => {
    expect(() => encodeIso8583(iso8583v1987, message)).toThrow(Iso8583EncodeError);
    expect(() => encodeIso8583(iso8583v1987, message)).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    ['too short for an MTI', '303130', 'ISO_TRUNCATED'],
    ['a non-digit MTI', '30313058' + '0000000000000000', 'ISO_MTI_INVALID'],
    ['a truncated bitmap', '30313030' + '0000', 'ISO_TRUNCATED'],
    ['an empty secondary bitmap', '30313030' + '8000000000000000' + '0000000000000000', 'ISO_BITMAP_INVALID'],
    ['an unknown field bit', '30313030' + '0800000000000000', 'ISO_FIELD_UNKNOWN'],
    ['a non-digit LL prefix', '30313030' + '4000000000000000' + '3A30', 'ISO_FIELD_LENGTH_INVALID'],
    [
      'an LL prefix above the maximum',
      '30313030' + '4000000000000000' + '3230' + '30'.repeat(20),
      'ISO_FIELD_LENGTH_INVALID',
    ],
    ['a truncated field', '30313030' + '0000000002000000' + '30', 'ISO_TRUNCATED'],
    ['bytes after the last field', '30313030' + '0000000002000000' + '303000', 'ISO_TRAILING_BYTES'],
    ['bad DE55 TLV', '30313030' + '0000000000000200' + '303032' + '9F02', 'ISO_FIELD_TLV_INVALID'],
    [
      'bad DE48 subelements',
      '30313030' + '0000000000010000' + '303033' + '303130',
      'ISO_FIELD_SUBELEMENT_INVALID',
    ],
  ])('decoding %s gives %s', (_name, hex, code) => {
    const result = decodeIso8583(iso8583v1987, hexToBytes(hex));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('names the field and keeps the TlvError as the cause', () => {
    const result = decodeIso8583(
      iso8583v1987,
      hexToBytes('30313030' + '0000000000000200' + '303032' + '9F02'),
    );
    expect(!result.ok && result.error.field).toBe(55);
    expect(!result.ok && result.error.cause?.code).toBe('TLV_TRUNCATED_LENGTH');
  });

  it('refuses messages above messageBytesMax before parsing', () => {
    const result = decodeIso8583(iso8583v1987, new Uint8Array(iso8583v1987.messageBytesMax + 1));
    expect(!result.ok && result.error.code).toBe('ISO_MESSAGE_TOO_LONG');
  });
});

describe('describeIso8583', () => {
  it('masks DE2, DE14 and DE35 and names fields', () => {
    const message = authorization();
    const fields = new Map(message.fields);
    fields.set(35, '5413330089010012D29112010000000000');
    const text = describeIso8583(iso8583v1987, { mti: message.mti, fields });
    expect(text).toContain('MTI 0100 (authorization request)');
    expect(text).toContain('541333******0012');
    expect(text).not.toContain('5413330089010012');
    expect(text).not.toContain('2911');
    expect(text).toContain('DE55  ICC system related data');
    expect(text).toContain('9F26 Application Cryptogram [8]: CD29615D6452E70E');
    expect(text).toContain('[01] "DM4MMC00000000000000000000000001"');
  });
});

describe('ISO 8583:1993 clearing table', () => {
  it('round-trips a 1240 first presentment and a 1644 trailer with counts and totals', () => {
    const presentment: Iso8583Message = {
      mti: MTI.FIRST_PRESENTMENT,
      fields: new Map<number, FieldValue>([
        [2, '5413330089010012'],
        [3, '000000'],
        [4, '000000001000'],
        [12, '261125230000'],
        [24, FUNCTION_CODE.FIRST_PRESENTMENT],
        [31, '12345678901234567890123'],
        [38, 'A1B2C3'],
        [49, '702'],
        [63, 'MCC000000001'],
        [71, '00000001'],
      ]),
    };
    const trailer: Iso8583Message = {
      mti: MTI.FILE_CURRENCY_HEADER_TRAILER,
      fields: new Map<number, FieldValue>([
        [24, FUNCTION_CODE.FILE_TRAILER],
        [48, [{ id: '10', value: 'CLR-20261125-001' }]],
        [71, '00000003'],
        [74, '0000000000'],
        [76, '0000000001'],
        [86, '0000000000000000'],
        [88, '0000000000001000'],
      ]),
    };
    for (const message of [presentment, trailer]) {
      const bytes = encodeIso8583(iso8583v1993Clearing, message);
      expect(bytesToAscii(bytes.subarray(0, 4))).toBe(message.mti);
      expect(decodeIso8583(iso8583v1993Clearing, bytes)).toEqual({ ok: true, value: message });
    }
    const bytes = encodeIso8583(iso8583v1993Clearing, trailer);
    expect((bytes[4] ?? 0) & 0x80).toBe(0x80);
  });

  it('rejects a 1987 MTI', () => {
    const bytes = concatBytes(asciiToBytes('0100'), new Uint8Array(8));
    const result = decodeIso8583(iso8583v1993Clearing, bytes);
    expect(!result.ok && result.error.code).toBe('ISO_MTI_INVALID');
  });
});

describe('MTI and response codes', () => {
  it('names MTIs and derives responses', () => {
    expect(mtiName('0420')).toBe('reversal advice');
    expect(responseMti('0100')).toBe('0110');
    expect(responseMti('0420')).toBe('0430');
    expect(() => responseMti('0110')).toThrow(RangeError);
    expect(RESPONSE_CODE.CRYPTOGRAPHIC_FAILURE).toBe('88');
  });
});
