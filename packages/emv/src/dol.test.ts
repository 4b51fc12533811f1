import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { buildDolData, dolDataLength, fitDolValue, parseDol, splitDolData } from './dol.ts';

const h = hexToBytes;
// The Tapkit CDOL1 from the spec: 45 bytes of data.
const cdol1 = h('9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F34039F1502');

function parsed() {
  const result = parseDol(cdol1);
  if (!result.ok) throw result.error;
  return result.value;
}

describe('parseDol', () => {
  it('parses the Tapkit CDOL1 into 13 entries asking for 45 bytes', () => {
    const entries = parsed();
    expect(entries.map((e) => `${e.tag}:${e.lengthBytes}`)).toEqual([
      '9F02:6',
      '9F03:6',
      '9F1A:2',
      '95:5',
      '5F2A:2',
      '9A:3',
      '9C:1',
      '9F37:4',
      '9F35:1',
      '9F45:2',
      '9F4C:8',
      '9F34:3',
      '9F15:2',
    ]);
    expect(dolDataLength(entries)).toBe(45);
  });

  it('rejects a truncated DOL and duplicate entries', () => {
    const truncated = parseDol(h('9F0206 9F'.replace(' ', '')));
    expect(!truncated.ok && truncated.error.code).toBe('TLV_TRUNCATED_TAG');
    const missingLength = parseDol(h('9F02'));
    expect(!missingLength.ok && missingLength.error.code).toBe('TLV_TRUNCATED_LENGTH');
    const duplicate = parseDol(h('9C019C01'));
    expect(!duplicate.ok && duplicate.error.code).toBe('TLV_DUPLICATE_TAG');
  });
});

describe('buildDolData', () => {
  it('builds the 45-byte CDOL1 data in list order with exact values', () => {
    const data = buildDolData(parsed(), {
      '9F02': h('000000001000'),
      '9F03': h('000000000000'),
      '9F1A': h('0702'),
      '95': h('0000000000'),
      '5F2A': h('0702'),
      '9A': h('261125'),
      '9C': h('00'),
      '9F37': h('A1B2C3D4'),
      '9F35': h('22'),
      '9F45': h('0000'),
      '9F4C': h('0000000000000000'),
      '9F34': h('1F0302'),
      '9F15': h('5411'),
    });
    expect(data.length).toBe(45);
    expect(bytesToHex(data)).toBe(
      '000000001000' +
        '000000000000' +
        '0702' +
        '0000000000' +
        '0702' +
        '261125' +
        '00' +
        'A1B2C3D4' +
        '22' +
        '0000' +
        '0000000000000000' +
        '1F0302' +
        '5411',
    );
  });

  it('zero-fills the values the terminal does not have', () => {
    const data = buildDolData(parsed(), new Map([['9F02', h('000000000500')]]));
    expect(bytesToHex(data)).toBe('000000000500' + '00'.repeat(39));
  });

  it('right-justifies n values with leading zeros and truncates them from the left', () => {
    expect(bytesToHex(fitDolValue(h('1000'), 6, 'n'))).toBe('000000001000');
    expect(bytesToHex(fitDolValue(h('123456789012'), 2, 'n'))).toBe('9012');
    const data = buildDolData(parsed(), { '9F02': h('1000'), '9F1A': h('000702') });
    expect(bytesToHex(data.subarray(0, 6))).toBe('000000001000');
    expect(bytesToHex(data.subarray(12, 14))).toBe('0702');
  });

  it('left-justifies cn values padded with F and truncates them from the right', () => {
    expect(bytesToHex(fitDolValue(h('5413330000000019'), 10, 'cn'))).toBe('5413330000000019FFFF');
    expect(bytesToHex(fitDolValue(h('5413330000000019'), 4, 'cn'))).toBe('54133300');
  });

  it('left-justifies b and an values padded with 00 and truncates them from the right', () => {
    expect(bytesToHex(fitDolValue(h('A1B2'), 4, 'b'))).toBe('A1B20000');
    expect(bytesToHex(fitDolValue(h('A1B2C3D4E5'), 4, 'b'))).toBe('A1B2C3D4');
    expect(bytesToHex(fitDolValue(h('4142'), 3, 'an'))).toBe('414200');
    const data = buildDolData(parsed(), { '9F37': h('A1B2C3D4E5F6'), '9F34': h('1F') });
    expect(bytesToHex(data.subarray(25, 29))).toBe('A1B2C3D4');
    expect(bytesToHex(data.subarray(40, 43))).toBe('1F0000');
  });

  it('splits CDOL data back into values (the card side)', () => {
    const entries = parsed();
    const data = buildDolData(entries, { '9F37': h('A1B2C3D4'), '9A': h('261125') });
    const split = splitDolData(entries, data);
    expect(split.ok && bytesToHex(split.value.get('9F37')!)).toBe('A1B2C3D4');
    expect(split.ok && bytesToHex(split.value.get('9A')!)).toBe('261125');
    const short = splitDolData(entries, data.subarray(1));
    expect(!short.ok && short.error.code).toBe('TLV_DOL_LENGTH_MISMATCH');
  });
});
