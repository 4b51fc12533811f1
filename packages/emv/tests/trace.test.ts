import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCommandApdu, decodeResponseApdu, describeResponseApdu, INS, SW } from '../src/apdu.ts';
import { bytesToAscii, bytesToHex, hexToBytes } from '../src/bytes.ts';
import { verifyArqc } from '../src/crypto/arqc.ts';
import { dolDataLength, parseDol, splitDolData } from '../src/dol.ts';
import { decodeTlvOrThrow, findTlv, findTlvValue, isConstructed, type TlvNode } from '../src/tlv.ts';
import { ciphers } from './ciphers.ts';
import { vectors } from './vectors.ts';

interface Exchange {
  step: string;
  command: string;
  response: string;
  sw: string;
}
interface Trace {
  id: string;
  kind: 'public' | 'constructed';
  exchanges: Exchange[];
}

const fixture: { traces: Trace[] } = JSON.parse(
  readFileSync(new URL('./fixtures/mastercard-traces.json', import.meta.url), 'utf8'),
);

const insOfStep: Record<string, number> = {
  'SELECT PPSE': INS.SELECT,
  'SELECT AID': INS.SELECT,
  'GET PROCESSING OPTIONS': INS.GET_PROCESSING_OPTIONS,
  'READ RECORD': INS.READ_RECORD,
  'GENERATE AC': INS.GENERATE_AC,
};

// Tags each response must carry, as paths from the outer template.
const requiredPaths: Record<string, string[][]> = {
  'SELECT PPSE': [
    ['6F', '84'],
    ['6F', 'A5', 'BF0C', '61', '4F'],
  ],
  'SELECT AID': [
    ['6F', '84'],
    ['6F', 'A5', '50'],
  ],
  'GET PROCESSING OPTIONS': [
    ['77', '82'],
    ['77', '94'],
  ],
  'READ RECORD': [
    ['70', '57'],
    ['70', '5A'],
    ['70', '5F24'],
    ['70', '5F34'],
    ['70', '8C'],
  ],
  'GENERATE AC': [
    ['77', '9F27'],
    ['77', '9F36'],
    ['77', '9F26'],
    ['77', '9F10'],
  ],
};

function atPath(nodes: readonly TlvNode[], path: readonly string[]): TlvNode | undefined {
  let level: readonly TlvNode[] = nodes;
  let found: TlvNode | undefined;
  for (const tag of path) {
    found = level.find((node) => node.tag === tag);
    if (!found) return undefined;
    level = isConstructed(found) ? found.children : [];
  }
  return found;
}

function responseTree(exchange: Exchange): TlvNode[] {
  const response = decodeResponseApdu(hexToBytes(exchange.response + exchange.sw));
  if (!response.ok) throw response.error;
  expect(response.value.sw).toBe(SW.OK);
  return decodeTlvOrThrow(response.value.data);
}

describe.each(fixture.traces)('trace $id ($kind)', (trace) => {
  it.each(trace.exchanges)('$step: command parses and the response has the expected tags', (exchange) => {
    const command = decodeCommandApdu(hexToBytes(exchange.command));
    expect(command.ok && command.value.ins).toBe(insOfStep[exchange.step]);
    const tree = responseTree(exchange);
    for (const path of requiredPaths[exchange.step] ?? []) {
      expect(atPath(tree, path), `${exchange.step} ${path.join('/')}`).toBeDefined();
    }
    expect(describeResponseApdu({ data: hexToBytes(exchange.response), sw: SW.OK })).not.toContain('not TLV');
  });

  it('selects the Mastercard AID A0000000041010 from the PPSE', () => {
    const ppse = trace.exchanges.find((e) => e.step === 'SELECT PPSE');
    const aid = findTlvValue(responseTree(ppse!), '4F');
    expect(aid && bytesToHex(aid)).toBe('A0000000041010');
    const select = trace.exchanges.find((e) => e.step === 'SELECT AID');
    expect(bytesToHex(findTlvValue(responseTree(select!), '84')!)).toBe('A0000000041010');
  });
});

describe('public trace details', () => {
  it('reads the PDOL of the PayPass test card and the AFL of the debit card', () => {
    const paypass = fixture.traces.find((t) => t.id === 'riousset-paypass-example')!;
    const select = responseTree(paypass.exchanges[1]!);
    expect(bytesToAscii(findTlvValue(select, '50')!)).toBe('PPC MCD 02 v2 2');
    const pdol = parseDol(findTlvValue(select, '9F38')!);
    expect(pdol.ok && pdol.value).toEqual([{ tag: '9F1D', lengthBytes: 8 }]);
    const debit = fixture.traces.find((t) => t.id === 'talktoyourcreditcard-debit-mastercard')!;
    const gpo = responseTree(debit.exchanges[2]!);
    expect(bytesToHex(findTlvValue(gpo, '82')!)).toBe('1980');
    expect(findTlvValue(gpo, '94')?.length).toBe(12);
    expect(findTlv(responseTree(debit.exchanges[1]!), 'BF0C')).toBeDefined();
  });
});

describe.each(ciphers)('constructed Tapkit trace, ARQC checked with %s', (_name, cipher) => {
  it('the GENERATE AC data follows the card CDOL1 and its ARQC verifies from IMK-AC', () => {
    const trace = fixture.traces.find((t) => t.id === 'tapkit-constructed')!;
    const byStep = (step: string) => trace.exchanges.find((e) => e.step === step)!;
    const record = responseTree(byStep('READ RECORD'));
    const cdol1 = parseDol(findTlvValue(record, '8C')!);
    if (!cdol1.ok) throw cdol1.error;
    expect(dolDataLength(cdol1.value)).toBe(45);
    const command = decodeCommandApdu(hexToBytes(byStep('GENERATE AC').command));
    if (!command.ok) throw command.error;
    const terminal = splitDolData(cdol1.value, command.value.data);
    if (!terminal.ok) throw terminal.error;
    const card = responseTree(byStep('GENERATE AC'));
    const gpo = responseTree(byStep('GET PROCESSING OPTIONS'));
    const iad = findTlvValue(card, '9F10')!;
    expect(iad[1]).toBe(0x14);
    const value = (tag: string) => terminal.value.get(tag)!;
    const result = verifyArqc({
      cipher,
      imk: hexToBytes(vectors.cvnMastercard.inputs.imkAc!),
      pan: bytesToHex(findTlvValue(record, '5A')!),
      psn: bytesToHex(findTlvValue(record, '5F34')!),
      cvn: 20,
      data: {
        amountAuthorised: value('9F02'),
        amountOther: value('9F03'),
        terminalCountryCode: value('9F1A'),
        tvr: value('95'),
        transactionCurrencyCode: value('5F2A'),
        transactionDate: value('9A'),
        transactionType: value('9C'),
        unpredictableNumber: value('9F37'),
        aip: findTlvValue(gpo, '82')!,
        atc: findTlvValue(card, '9F36')!,
        cvr: iad.subarray(2, 8),
      },
      arqc: findTlvValue(card, '9F26')!,
    });
    expect(result.valid).toBe(true);
  });
});
