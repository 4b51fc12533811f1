import { hexToBytes } from '@tapkit/emv';
import { describe, expect, it } from 'vitest';
import traces from '../../../emv/tests/fixtures/mastercard-traces.json' with { type: 'json' };
import { chooseApplication, type DirectoryEntry, parsePpse } from './ppse.ts';
import { parseSelectAid } from './responses.ts';

const exchange = (traceId: string, step: string) => {
  const found = traces.traces.find((t) => t.id === traceId)?.exchanges.find((e) => e.step === step);
  if (!found) throw new Error(`no ${step} in ${traceId}`);
  return hexToBytes(found.response);
};

describe('the payment directory of public Mastercard traces', () => {
  it.each(['riousset-paypass-example', 'talktoyourcreditcard-debit-mastercard', 'tapkit-constructed'])(
    '%s: finds the Mastercard AID and selects it',
    (traceId) => {
      const entries = parsePpse(exchange(traceId, 'SELECT PPSE'));
      expect(entries.ok).toBe(true);
      if (!entries.ok) return;
      expect(chooseApplication(entries.value, ['A0000000041010'])?.aid).toBe('A0000000041010');
      const selected = parseSelectAid(exchange(traceId, 'SELECT AID'), hexToBytes('A0000000041010'));
      expect(selected.ok).toBe(true);
    },
  );

  it('reads the PDOL of the PayPass test card (9F1D 08)', () => {
    const selected = parseSelectAid(
      exchange('riousset-paypass-example', 'SELECT AID'),
      hexToBytes('A0000000041010'),
    );
    expect(selected).toEqual({ ok: true, value: { pdol: [{ tag: '9F1D', lengthBytes: 8 }] } });
  });

  it('rejects a SELECT AID answer naming another application', () => {
    const selected = parseSelectAid(
      exchange('tapkit-constructed', 'SELECT AID'),
      hexToBytes('A0000000043060'),
    );
    expect(selected).toMatchObject({ ok: false, failure: { code: 'DATA_INVALID' } });
  });
});

describe('choosing the application', () => {
  const entry = (aid: string, priority?: number): DirectoryEntry => ({ aid, label: undefined, priority });

  it('keeps several 61 entries of one directory (repeated tags are normal there)', () => {
    // Built by hand: emv's encoder refuses repeated tags, as it should everywhere else.
    const raw = (tag: string, value: string) =>
      tag + (value.length / 2).toString(16).padStart(2, '0') + value;
    const maestro = raw('61', raw('4F', 'A0000000043060') + raw('50', '4D41455354') + raw('87', '02'));
    const mastercard = raw('61', raw('4F', 'A0000000041010') + raw('50', '4D435244') + raw('87', '01'));
    const ppse = raw(
      '6F',
      raw('84', '325041592E5359532E4444463031') + raw('A5', raw('BF0C', maestro + mastercard)),
    );
    const parsed = parsePpse(hexToBytes(ppse));
    expect(parsed.ok && parsed.value.map((e) => [e.aid, e.priority])).toEqual([
      ['A0000000043060', 2],
      ['A0000000041010', 1],
    ]);
  });

  it('takes the highest priority (1) first, entries without priority last, card order among equals', () => {
    const entries = [
      entry('A000000004101001'),
      entry('A000000004101002', 3),
      entry('A000000004101003', 2),
      entry('A000000004101004', 2),
    ];
    expect(chooseApplication(entries, ['A0000000041010'])?.aid).toBe('A000000004101003');
  });

  it('ignores applications the terminal does not support', () => {
    expect(chooseApplication([entry('A0000000031010', 1)], ['A0000000041010'])).toBeUndefined();
  });

  it('reports a directory that is missing or not TLV', () => {
    expect(parsePpse(hexToBytes('6F03840100'))).toMatchObject({
      ok: false,
      failure: { code: 'MANDATORY_DATA_MISSING' },
    });
    expect(parsePpse(hexToBytes('6F05'))).toMatchObject({
      ok: false,
      failure: { code: 'RESPONSE_MALFORMED' },
    });
  });
});
