import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FieldValue, Iso8583Message } from '@tapkit/emv';
import { VirtualClock } from '@tapkit/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { AcquirerCaptureLog } from './acquirer.ts';
import { nextOpenBusinessDay } from './close-day.ts';
import { SystemJournal } from './journal.ts';

// The acquirer host's capture log: what the network approved stays to be presented at the end of the
// day, for what a reversal left of it; declined and unanswered messages are journaled, never captured.

const message = (mti: string, fields: Record<number, FieldValue>): Iso8583Message => ({
  mti,
  fields: new Map(Object.entries(fields).map(([k, v]) => [Number(k), v])),
});

const purchase = (stan: string, amount = '000000001250') =>
  message('0100', {
    3: '000000',
    4: amount,
    7: '1125103000',
    11: stan,
    37: `6329100${stan.slice(1)}`,
    41: 'TAPKIT01',
    49: '344',
  });
const approved = (request: Iso8583Message, trace: string, code = '00') => ({
  ok: true as const,
  value: message('0110', { 11: request.fields.get(11) ?? '', 39: code, 63: trace }),
});
const reversal = (stan: string, remaining?: string) =>
  message('0400', {
    4: '000000001250',
    11: '000900',
    41: 'TAPKIT01',
    90: `0100${stan}1125103000${'123456'.padStart(11, '0')}${'0'.repeat(11)}`,
    95: `${remaining ?? '000000000000'}${'0'.repeat(30)}`,
  });

let dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function log(path?: string) {
  const journal = new SystemJournal();
  return { journal, captures: new AcquirerCaptureLog(new VirtualClock(1_000), journal, path) };
}

describe('AcquirerCaptureLog', () => {
  it('captures approvals only, and journals every exchange with its trace id', () => {
    const { captures, journal } = log();
    const first = purchase('000001');
    captures.forwarding(first);
    captures.observe(first, approved(first, 'T1'));
    const declined = purchase('000002');
    captures.observe(declined, approved(declined, 'T2', '51'));
    captures.observe(purchase('000003'), { ok: false, error: { code: 'NETWORK_TIMEOUT' } });
    expect(captures.unpresented().map((c) => [c.networkTraceId, c.kind, c.remainingMinor])).toEqual([
      ['T1', 'PURCHASE', 1_250n],
    ]);
    expect(journal.forTrace('T1').map((e) => e.step)).toEqual(['0100 sent', '0110 received']);
    expect(journal.forTrace('T2').map((e) => e.detail.responseCode)).toEqual([undefined, '51']);
  });

  it('applies a partial reversal (DE95) and drops a fully reversed authorization', () => {
    const { captures } = log();
    for (const [stan, trace] of [
      ['000001', 'T1'],
      ['000002', 'T2'],
    ] as const) {
      const request = purchase(stan);
      captures.observe(request, approved(request, trace));
    }
    const partial = reversal('000001', '000000000400');
    captures.observe(partial, { ok: true, value: message('0410', { 39: '00' }) });
    const full = reversal('000002');
    captures.observe(full, { ok: true, value: message('0410', { 39: '00' }) });
    expect(captures.unpresented().map((c) => [c.networkTraceId, c.remainingMinor])).toEqual([['T1', 400n]]);
  });

  it('forgets presented captures for the next day, and keeps captures across a restart in its file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapkit-captures-'));
    dirs.push(dir);
    const path = join(dir, 'captures.json');
    const first = log(path).captures;
    const refund = message('0100', { ...Object.fromEntries(purchase('000005').fields), 3: '200000' });
    first.observe(refund, approved(refund, 'T5'));
    const purchased = purchase('000006');
    first.observe(purchased, approved(purchased, 'T6'));
    first.markPresented('T6');
    const again = log(path).captures;
    expect(again.unpresented().map((c) => [c.networkTraceId, c.kind])).toEqual([['T5', 'REFUND']]);
  });
});

describe('nextOpenBusinessDay', () => {
  it('is the day of the clock, or the first later day without a clearing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapkit-clearing-'));
    dirs.push(dir);
    const nowMs = Date.UTC(2026, 10, 30, 23, 0);
    expect(nextOpenBusinessDay(dir, nowMs)).toBe('20261130');
    writeFileSync(join(dir, 'clearing-20261130.ipm'), '');
    writeFileSync(join(dir, 'clearing-20261201.ipm'), '');
    expect(nextOpenBusinessDay(dir, nowMs)).toBe('20261202');
  });
});
