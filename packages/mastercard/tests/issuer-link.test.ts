import { type FieldValue, getText, type Iso8583Message } from '@tapkit/emv';
import { retrySchedule, VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TcpIssuerLink } from '../src/network/adapters/issuer-link.ts';
import { silentLogger } from '../src/network/logger.ts';
import { answer, TestIssuer } from './support/iso-peer.ts';

// The TCP link to the issuer processor: responses matched by STAN and RRN (in any order), per-message
// timeouts on the Clock, and reconnection after the issuer drops the connection.

let clock: VirtualClock;
let issuer: TestIssuer;
let link: TcpIssuerLink;

function request(rrn: string, amount = '000000000100'): Iso8583Message {
  return {
    mti: '0100',
    fields: new Map<number, FieldValue>([
      [3, '000000'],
      [4, amount],
      [11, '000001'],
      [37, rrn],
    ]),
  };
}

beforeEach(async () => {
  clock = new VirtualClock(0);
  issuer = new TestIssuer();
  const port = await issuer.listen();
  link = new TcpIssuerLink(
    { host: '127.0.0.1', port, reconnect: retrySchedule([10]), pendingCountMax: 4, signOnTimeoutMs: 1_000 },
    { clock, logger: silentLogger },
  );
  await link.start();
});

afterEach(async () => {
  link.stop();
  await issuer.close();
});

describe('TcpIssuerLink', () => {
  it('numbers requests with its own STAN and matches answers given in reverse order', async () => {
    const held: Iso8583Message[] = [];
    issuer.behaviour = (message) => {
      held.push(message);
      return undefined;
    };
    const first = link.exchange(request('RRN000000001', '000000000111'), 5_000);
    const second = link.exchange(request('RRN000000002', '000000000222'), 5_000);
    await vi.waitFor(() => expect(held).toHaveLength(2));
    // Both acquirer requests carried STAN 000001; the link gave them different ones.
    expect(getText(held[0]!, 11)).not.toBe(getText(held[1]!, 11));
    // Answer the second first.
    issuer.sendToAll(answer(held[1]!, '51'));
    issuer.sendToAll(answer(held[0]!, '00'));
    const [a, b] = await Promise.all([first, second]);
    expect(a.ok && getText(a.value, 39)).toBe('00');
    expect(a.ok && getText(a.value, 4)).toBe('000000000111');
    expect(b.ok && getText(b.value, 39)).toBe('51');
    expect(b.ok && getText(b.value, 4)).toBe('000000000222');
  });

  it('times out on the clock when the issuer stays silent', async () => {
    issuer.behaviour = () => undefined;
    const pending = link.exchange(request('RRN000000003'), 8_000);
    await vi.waitFor(() => expect(issuer.receivedOf('0100')).toHaveLength(1));
    await clock.advanceMs(7_999);
    let settled = false;
    void pending.then(() => {
      settled = true;
    });
    await clock.advanceMs(0);
    expect(settled).toBe(false);
    await clock.advanceMs(1);
    expect(await pending).toEqual({ ok: false, error: { code: 'ISSUER_TIMEOUT' } });
  });

  it('refuses beyond pendingCountMax without sending', async () => {
    issuer.behaviour = () => undefined;
    const waiting = Array.from({ length: 4 }, (_, i) => link.exchange(request(`RRN00000001${i}`), 1_000));
    expect(await link.exchange(request('RRN000000099'), 1_000)).toEqual({
      ok: false,
      error: { code: 'ISSUER_LINK_BUSY' },
    });
    await vi.waitFor(() => expect(issuer.receivedOf('0100')).toHaveLength(4));
    await clock.advanceMs(1_000);
    expect((await Promise.all(waiting)).every((result) => !result.ok)).toBe(true);
  });

  it('fails waiting requests when the connection drops, then reconnects', async () => {
    issuer.behaviour = () => undefined;
    const pending = link.exchange(request('RRN000000004'), 60_000);
    await vi.waitFor(() => expect(issuer.receivedOf('0100')).toHaveLength(1));
    issuer.dropConnections();
    expect(await pending).toEqual({ ok: false, error: { code: 'ISSUER_TIMEOUT' } });
    expect(await link.exchange(request('RRN000000005'), 1_000)).toEqual({
      ok: false,
      error: { code: 'ISSUER_UNAVAILABLE' },
    });
    await clock.advanceMs(10);
    await vi.waitFor(() => expect(link.isConnected()).toBe(true));
    issuer.behaviour = (message) => answer(message, '00');
    const after = await link.exchange(request('RRN000000006'), 1_000);
    expect(after.ok && getText(after.value, 39)).toBe('00');
  });
});
