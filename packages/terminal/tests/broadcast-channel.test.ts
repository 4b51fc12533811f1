import { bytesToHex, hexToBytes } from '@tapkit/emv';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BroadcastChannelReaderLink,
  type CardChannel,
  nfcChannelProtocol,
  serveCardOverBroadcastChannel,
} from '../src/links/broadcast-channel.ts';
import { LinkError } from '../src/links/errors.ts';
import { ContactlessReader } from '../src/reader/contactless-reader.ts';
import { countingRandom, testClock, testConfig } from './support/fixtures.ts';
import { ScriptedCard } from './support/scripted-card.ts';

// Node 20 has BroadcastChannel, so the two-tab link runs here as it does between browser tabs.

const cleanups: Array<() => void> = [];
let channelSequence = 0;

/** A fresh channel name per test, so tests running side by side never hear each other. */
function channelName(): string {
  channelSequence += 1;
  return `tapkit-nfc-test-${process.pid}-${channelSequence}`;
}

function readerLink(name: string, options: { timeoutMs?: number; seed?: number } = {}) {
  const clock = testClock();
  const link = new BroadcastChannelReaderLink({
    channelName: name,
    clock,
    random: countingRandom(options.seed),
    timeoutMs: options.timeoutMs ?? 1_000,
  });
  cleanups.push(() => link.close());
  return { link, clock };
}

function cardSide(name: string, handler: (apdu: Uint8Array) => Promise<Uint8Array>): CardChannel {
  const card = serveCardOverBroadcastChannel(handler, { channelName: name });
  cleanups.push(() => card.close());
  return card;
}

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('the BroadcastChannel NFC link', () => {
  it('carries a command to the card tab and its answer back', async () => {
    const name = channelName();
    const seen: string[] = [];
    cardSide(name, async (apdu) => {
      seen.push(bytesToHex(apdu));
      return hexToBytes('6F009000');
    });
    const { link } = readerLink(name);
    const response = await link.transceive(hexToBytes('00A404000E325041592E5359532E444446303100'));
    expect(bytesToHex(response)).toBe('6F009000');
    expect(seen).toEqual(['00A404000E325041592E5359532E444446303100']);
  });

  it('runs a whole Kernel 2 tap between the two sides', async () => {
    const name = channelName();
    const card = new ScriptedCard();
    cardSide(name, card.processApdu);
    const { link, clock } = readerLink(name);
    const reader = new ContactlessReader({ config: testConfig(), clock, random: countingRandom() });
    const result = await reader.read(link, { type: 'PURCHASE', amountMinor: 990n });
    expect(result.kind).toBe('ONLINE_REQUEST');
    expect(card.received).toHaveLength(5);
  });

  it('times out on the injected clock when no card tab answers', async () => {
    const name = channelName();
    const { link, clock } = readerLink(name, { timeoutMs: 750 });
    const pending = link.transceive(hexToBytes('00A4040000'));
    const failure = pending.catch((error: unknown) => error);
    await clock.advanceMs(749);
    await clock.advanceMs(1);
    const error = await failure;
    expect(error).toBeInstanceOf(LinkError);
    expect((error as LinkError).code).toBe('LINK_TIMEOUT');
  });

  it('lets two POS tabs share a channel without taking each other’s answers', async () => {
    const name = channelName();
    cardSide(name, async (apdu) => Uint8Array.of(apdu[1] ?? 0, 0x90, 0x00));
    const { link: first } = readerLink(name, { seed: 1 });
    const { link: second } = readerLink(name, { seed: 100 });
    const [a, b] = await Promise.all([
      first.transceive(Uint8Array.of(0, 0x11, 0, 0)),
      second.transceive(Uint8Array.of(0, 0x22, 0, 0)),
    ]);
    expect(bytesToHex(a)).toBe('119000');
    expect(bytesToHex(b)).toBe('229000');
  });

  it('answers 6F00 when the card handler fails, and ignores foreign messages', async () => {
    const name = channelName();
    cardSide(name, async () => {
      throw new Error('wallet crashed');
    });
    const noise = new BroadcastChannel(name);
    cleanups.push(() => noise.close());
    noise.postMessage({
      protocol: nfcChannelProtocol,
      kind: 'response',
      id: 'not-ours',
      apdu: Uint8Array.of(0x90, 0),
    });
    noise.postMessage('garbage');
    const { link } = readerLink(name);
    expect(bytesToHex(await link.transceive(Uint8Array.of(0, 0xa4, 4, 0)))).toBe('6F00');
  });

  it('rejects pending and later commands once closed', async () => {
    const name = channelName();
    const { link } = readerLink(name);
    const pending = link.transceive(Uint8Array.of(0, 0xa4, 4, 0)).catch((error: unknown) => error);
    link.close();
    expect(((await pending) as LinkError).code).toBe('LINK_CLOSED');
    await expect(link.transceive(Uint8Array.of(0, 0xa4, 4, 0))).rejects.toMatchObject({
      code: 'LINK_CLOSED',
    });
  });
});
