import {
  bytesToHex,
  desJsBlockCipher,
  findTlvValue,
  getSubelements,
  getText,
  getTlv,
  type Iso8583Message,
  verifyArqc,
} from '@tapkit/emv';
import type { VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpNetworkConnection } from '../src/adapters/node-tcp.ts';
import { InProcessNfcLink } from '../src/links/in-process.ts';
import type { TerminalLogger } from '../src/ports.ts';
import { PosTerminal } from '../src/terminal.ts';
import { countingRandom, testClock, testConfig } from './support/fixtures.ts';
import { answer, FramedTestServer, type ServerHandler } from './support/framed-server.ts';
import { ScriptedCard, type ScriptedCardOptions, testImk } from './support/scripted-card.ts';

// The terminal end to end against a framed ISO 8583 TCP server on loopback: the 0100 it sends, how
// it reads the 0110, and the reversal after a silent network.

const approve: ServerHandler = (request) =>
  request.mti === '0100' ? answer(request, { 39: '00', 38: 'AP1234' }) : answer(request, { 39: '00' });

interface Harness {
  server: FramedTestServer;
  clock: VirtualClock;
  connection: TcpNetworkConnection;
  terminal: PosTerminal;
  logLines: string[];
}

let harness: Harness;

async function start(handler: ServerHandler): Promise<Harness> {
  const server = new FramedTestServer(handler);
  await server.listen();
  const clock = testClock();
  const logLines: string[] = [];
  const log = (fields: object, message: string) => logLines.push(`${message} ${JSON.stringify(fields)}`);
  const logger: TerminalLogger = { info: log, warn: log, error: log };
  const connection = new TcpNetworkConnection({
    host: '127.0.0.1',
    port: server.port,
    clock,
    connectTimeoutMs: 2_000,
    pendingCountMax: 8,
    logger,
  });
  const terminal = new PosTerminal({
    config: testConfig(),
    clock,
    random: countingRandom(),
    connection,
    logger,
  });
  return { server, clock, connection, terminal, logLines };
}

function tap(card: ScriptedCard, amountMinor: bigint) {
  return harness.terminal.tap(new InProcessNfcLink(card.processApdu), { type: 'PURCHASE', amountMinor });
}

function card(options: ScriptedCardOptions = {}) {
  return new ScriptedCard({ customData: 'order-ref-123', ...options });
}

afterEach(async () => {
  harness.connection.close();
  await harness.server.close();
});

describe('an approved tap', () => {
  beforeEach(async () => {
    harness = await start(approve);
  });

  it('sends a 0100 with the card data and the DE55 the network needs to check the ARQC', async () => {
    const scripted = card();
    const outcome = await tap(scripted, 1_250n);
    expect(outcome).toMatchObject({
      kind: 'APPROVED',
      approvalCode: 'AP1234',
      transaction: {
        amountMinor: 1_250n,
        currencyCode: '124',
        maskedPan: '541333******1234',
        stan: '000001',
      },
    });
    const request = harness.server.received[0]!;
    expect(request.mti).toBe('0100');
    const text = (field: number) => getText(request, field);
    expect(text(2)).toBe(scripted.pan);
    expect(text(3)).toBe('000000');
    expect(text(4)).toBe('000000001250');
    expect(text(7)).toBe('1125103000');
    expect(text(11)).toBe('000001');
    expect(text(12)).toBe('103000');
    expect(text(13)).toBe('1125');
    expect(text(14)).toBe('2912');
    expect(text(22)).toBe('071');
    expect(text(23)).toBe('000');
    expect(text(32)).toBe('123456');
    // YDDD (2026, day 329) ‖ hour ‖ STAN.
    expect(text(37)).toBe('632910000001');
    expect(text(41)).toBe('TAPKIT01');
    expect(text(49)).toBe('124');
    expect(text(61)).toBe('FINAL');
    expect(getSubelements(request)).toEqual([{ id: '02', value: 'order-ref-123' }]);
    const icc = getTlv(request)!;
    expect(icc.map((node) => node.tag)).toEqual([
      '9F26',
      '9F27',
      '9F10',
      '9F36',
      '9F02',
      '9F03',
      '9F1A',
      '95',
      '5F2A',
      '9A',
      '9C',
      '9F37',
      '82',
    ]);
    const value = (tag: string) => findTlvValue(icc, tag)!;
    const verification = verifyArqc({
      cipher: desJsBlockCipher,
      imk: testImk,
      pan: text(2)!,
      psn: '00',
      cvn: 20,
      arqc: value('9F26'),
      data: {
        amountAuthorised: value('9F02'),
        amountOther: value('9F03'),
        terminalCountryCode: value('9F1A'),
        tvr: value('95'),
        transactionCurrencyCode: value('5F2A'),
        transactionDate: value('9A'),
        transactionType: value('9C'),
        unpredictableNumber: value('9F37'),
        aip: value('82'),
        atc: value('9F36'),
        cvr: value('9F10').slice(2, 8),
      },
    });
    expect(verification.valid).toBe(true);
    // The amount the cryptogram covers is the amount asked for.
    expect(bytesToHex(value('9F02'))).toBe(text(4));
  });

  it('never logs the PAN in clear', async () => {
    const scripted = card();
    await tap(scripted, 1_250n);
    const logs = harness.logLines.join('\n');
    expect(logs).toContain('541333******1234');
    expect(logs).not.toContain(scripted.pan);
  });

  it('numbers transactions with increasing STANs and distinct RRNs', async () => {
    const scripted = card();
    await tap(scripted, 100n);
    await tap(scripted, 200n);
    expect(harness.server.received.map((m) => getText(m, 11))).toEqual(['000001', '000002']);
    expect(new Set(harness.server.received.map((m) => getText(m, 37))).size).toBe(2);
  });

  it('runs the two-tap CDCVM flow: SEE_PHONE, then an approved second tap', async () => {
    const first = await tap(card({ mode: 'SEE_PHONE' }), 50_000n);
    expect(first).toEqual({ kind: 'SEE_PHONE' });
    expect(harness.server.received).toHaveLength(0);
    const second = await tap(card({ mode: 'ARQC', cdcvmPerformed: true, atc: 0x1d }), 50_000n);
    expect(second.kind).toBe('APPROVED');
    const cvr = findTlvValue(getTlv(harness.server.received[0]!)!, '9F10')!.slice(2, 8);
    expect(cvr[0]).toBe(0x85);
  });

  it('refunds part of a purchase and voids another from the merchant panel', async () => {
    const scripted = card();
    const sale = await tap(scripted, 5_000n);
    if (sale.kind !== 'APPROVED') throw new Error('sale not approved');
    const refund = await harness.terminal.panel.refund(sale.transaction.rrn, 2_000n);
    expect(refund).toMatchObject({
      ok: true,
      value: { kind: 'REFUND', status: 'APPROVED', amountMinor: 2_000n },
    });
    const refundRequest = harness.server.received[1]!;
    expect(getText(refundRequest, 3)).toBe('200000');
    expect(getText(refundRequest, 4)).toBe('000000002000');
    expect(getText(refundRequest, 2)).toBe(scripted.pan);
    expect(refundRequest.fields.has(55)).toBe(false);
    expect(await harness.terminal.panel.refund(sale.transaction.rrn, 3_001n)).toEqual({
      ok: false,
      error: { code: 'AMOUNT_INVALID' },
    });
    // A purchase with a refund can no longer be voided; a fresh one can.
    expect(await harness.terminal.panel.voidTransaction(sale.transaction.rrn)).toMatchObject({ ok: false });
    const other = await tap(scripted, 700n);
    if (other.kind !== 'APPROVED') throw new Error('sale not approved');
    const voided = await harness.terminal.panel.voidTransaction(other.transaction.rrn);
    expect(voided).toMatchObject({ ok: true, value: { status: 'REVERSED' } });
    const reversal = harness.server.received.at(-1)!;
    expect(reversal.mti).toBe('0400');
    const original = harness.server.received.at(-2)!;
    expect(getText(reversal, 90)).toBe(
      `0100${getText(original, 11)}${getText(original, 7)}00000123456${'0'.repeat(11)}`,
    );
    const listed = await harness.terminal.panel.transactions();
    expect(listed.map((t) => [t.kind, t.status])).toEqual([
      ['PURCHASE', 'REVERSED'],
      ['REFUND', 'APPROVED'],
      ['PURCHASE', 'APPROVED'],
    ]);
    expect(listed[2]!.refundedMinor).toBe(2_000n);
    expect(JSON.stringify(listed, (_k, v) => (typeof v === 'bigint' ? String(v) : v))).not.toContain(
      scripted.pan,
    );
  });
});

describe('a declined tap', () => {
  it('network decline 51 gives DECLINED with the response code', async () => {
    harness = await start((request) => answer(request, { 39: '51' }));
    const outcome = await tap(card(), 1_250n);
    expect(outcome).toMatchObject({ kind: 'DECLINED', reason: { source: 'NETWORK', responseCode: '51' } });
    const listed = await harness.terminal.panel.transactions();
    expect(listed[0]).toMatchObject({ status: 'DECLINED', responseCode: '51' });
  });

  it('a card AAC gives DECLINED by the card, without a 0100', async () => {
    harness = await start(approve);
    const outcome = await tap(card({ mode: 'AAC' }), 1_250n);
    expect(outcome).toEqual({ kind: 'DECLINED', reason: { source: 'CARD', code: 'CARD_DECLINED_AAC' } });
    expect(harness.server.received).toHaveLength(0);
  });
});

describe('a silent network', () => {
  it('gives TRY_AGAIN after the timeout and reverses the authorization with DE90', async () => {
    const received: Iso8583Message[] = [];
    harness = await start((request) => {
      received.push(request);
      return request.mti === '0400' ? answer(request, { 39: '00' }) : undefined;
    });
    const pending = tap(card(), 1_250n);
    const authorization = await harness.server.waitFor((m) => m.mti === '0100');
    await harness.clock.advanceMs(4_999);
    expect(harness.server.received.filter((m) => m.mti === '0400')).toHaveLength(0);
    await harness.clock.advanceMs(1);
    const outcome = await pending;
    expect(outcome).toEqual({ kind: 'TRY_AGAIN', reason: 'NETWORK_TIMEOUT', reversalOwed: true });
    const reversal = await harness.server.waitFor((m) => m.mti === '0400');
    expect(getText(reversal, 2)).toBe(getText(authorization, 2));
    expect(getText(reversal, 4)).toBe('000000001250');
    expect(getText(reversal, 37)).toBe(getText(authorization, 37));
    expect(getText(reversal, 11)).toBe('000002');
    const de90 = getText(reversal, 90)!;
    expect(de90).toBe(`0100000001${getText(authorization, 7)}00000123456${'0'.repeat(11)}`);
    await harness.terminal.settled();
    const [entry] = await harness.terminal.panel.transactions();
    expect(entry).toMatchObject({ status: 'REVERSED', stan: '000001' });
  });

  it('retries the reversal until the network answers it', async () => {
    let reversalsSeen = 0;
    harness = await start((request) => {
      if (request.mti !== '0400') return undefined;
      reversalsSeen += 1;
      return reversalsSeen >= 2 ? answer(request, { 39: '00' }) : undefined;
    });
    const pending = tap(card(), 1_250n);
    await harness.server.waitFor((m) => m.mti === '0100');
    await harness.clock.advanceMs(5_000);
    expect((await pending).kind).toBe('TRY_AGAIN');
    await harness.server.waitFor((m) => m.mti === '0400');
    await harness.clock.advanceMs(5_000);
    await harness.clock.advanceMs(1_000);
    await waitUntil(() => reversalsSeen === 2);
    await harness.terminal.settled();
    expect((await harness.terminal.panel.transactions())[0]!.status).toBe('REVERSED');
  });

  it('a connection dropped before the answer gives TRY_AGAIN, and the reversal goes out on a new one', async () => {
    harness = await start((request) => (request.mti === '0100' ? 'DROP' : answer(request, { 39: '00' })));
    const outcome = await tap(card(), 1_250n);
    expect(outcome).toEqual({ kind: 'TRY_AGAIN', reason: 'NETWORK_LINK_LOST', reversalOwed: true });
    const reversal = await harness.server.waitFor((m) => m.mti === '0400');
    expect(getText(reversal, 90)?.slice(0, 10)).toBe('0100000001');
    await harness.terminal.settled();
    expect((await harness.terminal.panel.transactions())[0]!.status).toBe('REVERSED');
  });

  it('an unreachable network gives TRY_AGAIN without a reversal', async () => {
    harness = await start(approve);
    await harness.server.close();
    const outcome = await tap(card(), 1_250n);
    expect(outcome).toEqual({ kind: 'TRY_AGAIN', reason: 'NETWORK_UNAVAILABLE', reversalOwed: false });
    harness.server = new FramedTestServer(approve);
    await harness.server.listen();
  });

  it('a 0110 for another amount counts as no answer and is reversed', async () => {
    harness = await start((request) =>
      request.mti === '0100'
        ? answer(request, { 39: '00', 4: '000000000001' })
        : answer(request, { 39: '00' }),
    );
    const outcome = await tap(card(), 1_250n);
    expect(outcome).toEqual({ kind: 'TRY_AGAIN', reason: 'NETWORK_RESPONSE_INVALID', reversalOwed: true });
    await harness.server.waitFor((m) => m.mti === '0400');
    await harness.terminal.settled();
  });
});

/** Real socket I/O is not on the virtual clock: poll it, bounded. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  expect(condition()).toBe(true);
}
