import {
  bytesToHex,
  desJsBlockCipher,
  encodeResponseApdu,
  encodeTlv,
  findTlvValue,
  hexToBytes,
  SW,
  verifyArqc,
} from '@tapkit/emv';
import { describe, expect, it } from 'vitest';
import traces from '../../emv/tests/fixtures/mastercard-traces.json' with { type: 'json' };
import { iccDataTags } from '../src/domain/kernel.ts';
import { InProcessNfcLink } from '../src/links/in-process.ts';
import { ContactlessReader, type ReaderResult } from '../src/reader/contactless-reader.ts';
import { countingRandom, testClock, testConfig } from './support/fixtures.ts';
import { amountBcd, ScriptedCard, type ScriptedCardOptions, testImk } from './support/scripted-card.ts';

function reader(clock = testClock()) {
  return new ContactlessReader({ config: testConfig(), clock, random: countingRandom() });
}

async function tapCard(options: ScriptedCardOptions = {}, amountMinor = 1_250n) {
  const card = new ScriptedCard(options);
  const result = await reader().read(new InProcessNfcLink(card.processApdu), {
    type: 'PURCHASE',
    amountMinor,
  });
  return { card, result };
}

function online(result: ReaderResult) {
  if (result.kind !== 'ONLINE_REQUEST')
    throw new Error(`expected ONLINE_REQUEST, got ${JSON.stringify(result)}`);
  return result.request;
}

describe('the Kernel 2 dialogue with the spec card profile', () => {
  it('runs PPSE, AID, GPO, READ RECORD and GENERATE AC and returns an ARQC the issuer can verify', async () => {
    const { card, result } = await tapCard({ pdol: '9F66049F02069F37045F2A02' });
    const request = online(result);
    expect(card.received.map((r) => r.step)).toEqual([
      'SELECT_PPSE',
      'SELECT_AID',
      'GET_PROCESSING_OPTIONS',
      'READ_RECORD',
      'GENERATE_AC',
    ]);
    // GENERATE AC asks for an ARQC: P1 80.
    expect(bytesToHex(card.received[4]!.command.slice(0, 4))).toBe('80AE8000');
    expect(request.identity).toEqual({
      pan: card.pan,
      expiryYymm: '2912',
      expiryYymmdd: '291231',
      psn: '00',
    });
    expect(request.icc.map((node) => node.tag)).toEqual([...iccDataTags]);
    const icc = (tag: string) => bytesToHex(findTlvValue(request.icc, tag)!);
    expect(icc('9F02')).toBe(amountBcd(1_250n));
    expect(icc('9F1A')).toBe('0124');
    expect(icc('5F2A')).toBe('0124');
    expect(icc('9A')).toBe('261125');
    expect(icc('9C')).toBe('00');
    expect(icc('95')).toBe('8000000000');
    expect(icc('82')).toBe('1980');
    expect(icc('9F27')).toBe('80');
    expect(icc('9F36')).toBe('001C');
    const check = verifyArqc({
      cipher: desJsBlockCipher,
      imk: testImk,
      pan: card.pan,
      psn: '00',
      cvn: 20,
      arqc: findTlvValue(request.icc, '9F26')!,
      data: {
        amountAuthorised: findTlvValue(request.icc, '9F02')!,
        amountOther: findTlvValue(request.icc, '9F03')!,
        terminalCountryCode: findTlvValue(request.icc, '9F1A')!,
        tvr: findTlvValue(request.icc, '95')!,
        transactionCurrencyCode: findTlvValue(request.icc, '5F2A')!,
        transactionDate: findTlvValue(request.icc, '9A')!,
        transactionType: findTlvValue(request.icc, '9C')!,
        unpredictableNumber: findTlvValue(request.icc, '9F37')!,
        aip: findTlvValue(request.icc, '82')!,
        atc: findTlvValue(request.icc, '9F36')!,
        cvr: findTlvValue(request.icc, '9F10')!.slice(2, 8),
      },
    });
    expect(check.valid).toBe(true);
  });

  it('builds the PDOL data from the card PDOL, in its order and lengths', async () => {
    const { card } = await tapCard({ pdol: '9F66049F02069F37045F2A02' });
    // TTQ (below the no-CVM limit: no CVM-required bit) ‖ amount ‖ UN ‖ currency.
    expect(bytesToHex(card.lastPdolData!)).toBe(`36004000${amountBcd(1_250n)}${'ABACADAE'}0124`);
  });

  it('sends an empty 83 template when the card has no PDOL', async () => {
    const { card } = await tapCard();
    expect(bytesToHex(card.received[2]!.command)).toBe('80A8000002830000');
  });

  it('builds CDOL1 data from the card 8C even when its layout differs from the spec', async () => {
    // Reordered, other lengths, tags the spec CDOL lacks (9F21 time, 9F66 TTQ, 9F4E unknown to the
    // terminal: zero-filled), and 9F45/9F15 left out.
    const cdol1 = '9F37049C019A039F21039F02069F660495055F2A029F03069F1A029F4E049F3501';
    const { card, result } = await tapCard({ cdol1 });
    online(result);
    const seen = Object.fromEntries(
      [...card.lastCdolValues!].map(([tag, value]) => [tag, bytesToHex(value)]),
    );
    expect(seen).toEqual({
      '9F37': 'ABACADAE',
      '9C': '00',
      '9A': '261125',
      '9F21': '103000',
      '9F02': amountBcd(1_250n),
      '9F66': '36004000',
      '95': '8000000000',
      '5F2A': '0124',
      '9F03': '000000000000',
      '9F1A': '0124',
      '9F4E': '00000000',
      '9F35': '22',
    });
    expect(card.received[4]!.command[4]).toBe(4 + 1 + 3 + 3 + 6 + 4 + 5 + 2 + 6 + 2 + 4 + 1);
  });

  it('fits values to a CDOL that asks for other lengths (n right-justified, b truncated)', async () => {
    const { card } = await tapCard({ cdol1: '9F02089F3702' });
    const seen = card.lastCdolValues!;
    expect(bytesToHex(seen.get('9F02')!)).toBe(`0000${amountBcd(1_250n)}`);
    expect(bytesToHex(seen.get('9F37')!)).toBe('ABAC');
  });

  it('sets the CVM-required bit of the TTQ above the no-CVM limit', async () => {
    const { card } = await tapCard({ pdol: '9F6604' }, 50_000n);
    expect(bytesToHex(card.lastPdolData!)).toBe('36404000');
  });

  it('flags an expired card in the TVR and still goes online', async () => {
    const { result } = await tapCard({ expiry: '251231' });
    const request = online(result);
    expect(bytesToHex(findTlvValue(request.icc, '95')!)).toBe('8040000000');
  });

  it('replays the constructed trace of the emv fixtures (spec profile, CVN 20 vectors)', async () => {
    const trace = traces.traces.find((t) => t.id === 'tapkit-constructed')!;
    // Every command but GENERATE AC matches the trace byte for byte (the trace's CDOL data has its
    // own date and UN); GENERATE AC is answered by instruction.
    const handler = async (command: Uint8Array) => {
      const hex = bytesToHex(command);
      const exchange =
        trace.exchanges.find((e) => e.command === hex) ??
        trace.exchanges.find((e) => e.step === 'GENERATE AC' && hex.startsWith('80AE'));
      return exchange ? hexToBytes(exchange.response + exchange.sw) : Uint8Array.of(0x6d, 0x00);
    };
    const result = await reader().read(new InProcessNfcLink(handler), {
      type: 'PURCHASE',
      amountMinor: 9_999n,
    });
    const request = online(result);
    expect(request.identity.pan).toBe('1234567890123456');
    expect(bytesToHex(findTlvValue(request.icc, '9F26')!)).toBe('CD29615D6452E70E');
    expect(bytesToHex(findTlvValue(request.icc, '82')!)).toBe('1800');
  });
});

describe('outcomes that stop the dialogue', () => {
  it('AAC with POSCII "see phone" asks the cardholder to look at the phone', async () => {
    const { result } = await tapCard({ mode: 'SEE_PHONE' }, 50_000n);
    expect(result).toEqual({ kind: 'SEE_PHONE' });
  });

  it('AAC without POSCII is a card decline', async () => {
    const { result } = await tapCard({ mode: 'AAC' });
    expect(result).toEqual({ kind: 'CARD_DECLINED' });
  });

  it('a TC (CID 40) is not accepted from this card', async () => {
    const { result } = await tapCard({
      override: {
        GENERATE_AC: () =>
          encodeResponseApdu({
            data: encodeTlv([
              {
                tag: '77',
                children: [
                  { tag: '9F27', value: Uint8Array.of(0x40) },
                  { tag: '9F36', value: Uint8Array.of(0, 1) },
                  { tag: '9F26', value: new Uint8Array(8) },
                  { tag: '9F10', value: new Uint8Array(18) },
                ],
              },
            ]),
            sw: SW.OK,
          }),
      },
    });
    expect(result).toMatchObject({
      kind: 'FAILED',
      failure: { code: 'CRYPTOGRAM_TYPE_INVALID', step: 'GENERATE_AC' },
    });
  });

  it.each([
    ['SELECT_PPSE', 0x6a82, 'PPSE_NOT_FOUND'],
    ['SELECT_AID', 0x6a82, 'STATUS_WORD'],
    ['GET_PROCESSING_OPTIONS', 0x6985, 'STATUS_WORD'],
    ['READ_RECORD', 0x6a83, 'STATUS_WORD'],
    ['GENERATE_AC', 0x6985, 'STATUS_WORD'],
  ] as const)('%s answering %s ends the application with the status word', async (step, sw, code) => {
    const { result } = await tapCard({
      override: { [step]: () => encodeResponseApdu({ data: new Uint8Array(0), sw }) },
    });
    expect(result).toMatchObject({ kind: 'FAILED', failure: { code, step, sw } });
  });

  it('a record without CDOL1 (8C) is missing mandatory data', async () => {
    const { result } = await tapCard({
      override: {
        READ_RECORD: () =>
          encodeResponseApdu({
            data: encodeTlv([
              {
                tag: '70',
                children: [
                  { tag: '5A', value: hexToBytes('5413330000001234') },
                  { tag: '5F24', value: hexToBytes('291231') },
                ],
              },
            ]),
            sw: SW.OK,
          }),
      },
    });
    expect(result).toMatchObject({
      kind: 'FAILED',
      failure: { code: 'MANDATORY_DATA_MISSING', detail: expect.stringContaining('8C') },
    });
  });

  it('a GENERATE AC answer without the cryptogram (9F26) is missing mandatory data', async () => {
    const { result } = await tapCard({
      override: {
        GENERATE_AC: () =>
          encodeResponseApdu({
            data: encodeTlv([
              {
                tag: '77',
                children: [
                  { tag: '9F27', value: Uint8Array.of(0x80) },
                  { tag: '9F36', value: Uint8Array.of(0, 1) },
                ],
              },
            ]),
            sw: SW.OK,
          }),
      },
    });
    expect(result).toMatchObject({
      kind: 'FAILED',
      failure: { code: 'MANDATORY_DATA_MISSING', step: 'GENERATE_AC' },
    });
  });

  it('a directory without a supported AID ends the application', async () => {
    const trace = traces.traces.find((t) => t.id === 'riousset-paypass-example')!;
    const visaOnly = '6F23840E325041592E5359532E4444463031A511BF0C0E610C4F07A0000000031010870101';
    expect(trace).toBeDefined();
    const { result } = await tapCard({ override: { SELECT_PPSE: () => hexToBytes(`${visaOnly}9000`) } });
    expect(result).toMatchObject({ kind: 'FAILED', failure: { code: 'NO_SUPPORTED_APPLICATION' } });
  });

  it('an answer shorter than a status word is malformed', async () => {
    const { result } = await tapCard({ override: { GET_PROCESSING_OPTIONS: () => Uint8Array.of(0x90) } });
    expect(result).toMatchObject({
      kind: 'FAILED',
      failure: { code: 'RESPONSE_MALFORMED', step: 'GET_PROCESSING_OPTIONS' },
    });
  });

  it('a duplicate tag in the GPO answer is malformed', async () => {
    const bad = hexToBytes('770E820219808202198094040801010090 00'.replace(/ /g, ''));
    const { result } = await tapCard({ override: { GET_PROCESSING_OPTIONS: () => bad } });
    expect(result).toMatchObject({ kind: 'FAILED', failure: { code: 'RESPONSE_MALFORMED' } });
  });
});

describe('link failures', () => {
  it('a card that never answers gives CARD_TIMEOUT after apduTimeoutMs on the injected clock', async () => {
    const clock = testClock();
    const link = new InProcessNfcLink(() => new Promise<Uint8Array>(() => undefined));
    const pending = reader(clock).read(link, { type: 'PURCHASE', amountMinor: 100n });
    await clock.advanceMs(999);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await clock.advanceMs(0);
    expect(settled).toBe(false);
    await clock.advanceMs(1);
    expect(await pending).toMatchObject({ kind: 'LINK_FAILED', reason: 'CARD_TIMEOUT' });
  });

  it('a card that leaves the field mid-dialogue gives CARD_LINK_LOST', async () => {
    const card = new ScriptedCard();
    const link = new InProcessNfcLink(async (command) => {
      const response = await card.processApdu(command);
      if (card.received.length === 3) link.close();
      return response;
    });
    const result = await reader().read(link, { type: 'PURCHASE', amountMinor: 100n });
    expect(result).toMatchObject({ kind: 'LINK_FAILED', reason: 'CARD_LINK_LOST' });
  });

  it('a card handler that throws gives CARD_LINK_LOST, not an exception', async () => {
    const link = new InProcessNfcLink(async () => {
      throw new Error('HCE service crashed');
    });
    const result = await reader().read(link, { type: 'PURCHASE', amountMinor: 100n });
    expect(result).toMatchObject({ kind: 'LINK_FAILED', reason: 'CARD_LINK_LOST' });
  });

  it('an amount the card cannot carry ends before any command', async () => {
    const card = new ScriptedCard();
    const result = await reader().read(new InProcessNfcLink(card.processApdu), {
      type: 'PURCHASE',
      amountMinor: 1_000_000_000_000n,
    });
    expect(result).toMatchObject({ kind: 'FAILED', failure: { code: 'TRANSACTION_INVALID' } });
    expect(card.received).toHaveLength(0);
  });
});
