import {
  bytesToHex,
  computeArpcMethod1,
  DE48_SUBELEMENT,
  deriveSessionKey,
  type FieldValue,
  findTlvValue,
  getSubelements,
  getText,
  getTlv,
  hexToBytes,
  type Iso8583Message,
  sessionKeyInputCvn20,
} from '@tapkit/emv';
import { nodeBlockCipher } from '@tapkit/emv/node-crypto';
import { VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ExpiryTracker } from '../src/expiry/tracker.ts';
import { InMemoryAtcLedger } from '../src/network/adapters/memory.ts';
import { type RunningNetwork, startNetwork } from '../src/network/compose.ts';
import {
  DE48_ORIGINAL_NETWORK_TRACE_ID,
  formatOriginalDataElements,
} from '../src/network/domain/messages.ts';
import { silentLogger } from '../src/network/logger.ts';
import {
  cardCryptogram,
  InMemoryTokenDirectory,
  iccMasterKeyOf,
  tapRequest,
  testToken,
} from './support/card.ts';
import { answer, TestAcquirer, TestIssuer } from './support/iso-peer.ts';

// The network over real TCP on 127.0.0.1: a test acquirer sends 0100s carrying ARQCs computed with
// packages/emv, a test issuer answers (or stays silent). Time (issuer timeout, advice retries) runs on a
// VirtualClock; only socket I/O is real.

const startMs = Date.UTC(2026, 10, 25, 12, 0, 0);
const token = testToken();
const suspended = testToken({
  tokenPan: '5413330000000027',
  tokenUniqueReference: 'DM4MMC0000000002',
  state: 'SUSPENDED',
});

let clock: VirtualClock;
let issuer: TestIssuer;
let directory: InMemoryTokenDirectory;
let network: RunningNetwork;
let acquirer: TestAcquirer;
let tracker: ExpiryTracker;
const expired: string[] = [];
const logLines: string[] = [];
const capturingLogger = {
  info: (fields: object, message: string) => void logLines.push(JSON.stringify({ fields, message })),
  warn: (fields: object, message: string) => void logLines.push(JSON.stringify({ fields, message })),
  error: (fields: object, message: string) => void logLines.push(JSON.stringify({ fields, message })),
};

beforeEach(async () => {
  clock = new VirtualClock(startMs);
  issuer = new TestIssuer();
  const issuerPort = await issuer.listen();
  directory = new InMemoryTokenDirectory([token, suspended]);
  expired.length = 0;
  logLines.length = 0;
  tracker = new ExpiryTracker({
    clock,
    listener: { authorizationExpired: (event) => void expired.push(event.networkTraceId) },
  });
  network = await startNetwork({
    issuer: { host: '127.0.0.1', port: issuerPort },
    acquirer: { port: 0 },
    tokens: directory,
    atcLedger: new InMemoryAtcLedger(),
    clock,
    logger: capturingLogger,
    events: tracker,
  });
  acquirer = await TestAcquirer.connect(network.acquirerPort);
  // The link signs on after connecting; wait for it so later counts see only the test's messages.
  await vi.waitFor(() => expect(network.issuerLink.isConnected()).toBe(true));
});

afterEach(async () => {
  acquirer.close();
  await network.stop();
  await issuer.close();
});

function originalOf(request: Iso8583Message): string {
  return formatOriginalDataElements({
    mti: request.mti,
    stan: getText(request, 11) ?? '',
    transmissionDateTime: getText(request, 7) ?? '',
    acquirerId: getText(request, 32) ?? '',
  });
}

describe('0100 authorization through the network', () => {
  it('forwards a good cryptogram without the token PAN and relays the 0110 with an ARPC', async () => {
    const request = tapRequest({ token, atc: 7, amountMinor: 1_250n, stan: '000001' });
    const response = await acquirer.request(request);

    expect(response.mti).toBe('0110');
    expect(getText(response, 39)).toBe('00');
    expect(getText(response, 38)).toBe('123456');
    expect(getText(response, 2)).toBe(token.tokenPan);
    const traceId = getText(response, 63);
    expect(traceId).toMatch(/^T[0-9A-F]{20}$/);

    const forwarded = issuer.receivedOf('0100');
    expect(forwarded).toHaveLength(1);
    const sent = forwarded[0]!;
    expect(sent.fields.has(2)).toBe(false);
    expect(sent.fields.has(14)).toBe(false);
    expect(getText(sent, 63)).toBe(traceId);
    expect(getText(sent, 4)).toBe('000000001250');
    const subelements = new Map((getSubelements(sent) ?? []).map((element) => [element.id, element.value]));
    expect(subelements.get(DE48_SUBELEMENT.TOKEN_UNIQUE_REFERENCE)).toBe(token.tokenUniqueReference);
    expect(subelements.get(DE48_SUBELEMENT.FUNDING_REFERENCE)).toBe(token.fundingReference);
    // Custom data (9F6E) reaches the issuer inside DE55.
    expect(bytesToHex(findTlvValue(getTlv(sent) ?? [], '9F6E') ?? new Uint8Array())).toBe('C0FFEE');

    // The ARPC is method 1 with the session key: the card can check it.
    const { arqc } = cardCryptogram({ token, atc: 7, amountMinor: 1_250n, stan: '000001' });
    const sessionKey = deriveSessionKey(nodeBlockCipher, {
      mk: iccMasterKeyOf(token),
      r: sessionKeyInputCvn20(Uint8Array.from([0, 7])),
    });
    const arc = hexToBytes('3030');
    const expectedArpc = computeArpcMethod1({ cipher: nodeBlockCipher, key: sessionKey, arqc, arc });
    const issuerAuthenticationData = findTlvValue(getTlv(response) ?? [], '91');
    expect(bytesToHex(issuerAuthenticationData ?? new Uint8Array())).toBe(bytesToHex(expectedArpc) + '3030');

    // An approved final authorization is tracked for expiry.
    expect(tracker.get(traceId ?? '')?.status).toBe('OPEN');
  });

  it('relays an issuer decline without an ARPC', async () => {
    issuer.behaviour = (request) => answer(request, '51');
    const response = await acquirer.request(
      tapRequest({ token, atc: 8, amountMinor: 99_999n, stan: '000002' }),
    );
    expect(getText(response, 39)).toBe('51');
    expect(response.fields.has(55)).toBe(false);
    expect(issuer.receivedOf('0100')).toHaveLength(1);
  });

  it('answers 88 to a wrong cryptogram without reaching the issuer', async () => {
    const forged = tapRequest({
      token,
      atc: 9,
      amountMinor: 500n,
      stan: '000003',
      arqcOverride: hexToBytes('0102030405060708'),
    });
    const response = await acquirer.request(forged);
    expect(getText(response, 39)).toBe('88');
    expect(issuer.receivedOf('0100')).toHaveLength(0);
  });

  it('answers 13 when DE4 differs from the amount the cryptogram covers', async () => {
    const request = tapRequest({ token, atc: 10, amountMinor: 500n, stan: '000004' });
    const fields = new Map<number, FieldValue>(request.fields);
    fields.set(4, '000000050000');
    const response = await acquirer.request({ mti: '0100', fields });
    expect(getText(response, 39)).toBe('13');
    expect(issuer.received).toHaveLength(0);
  });

  it('declines a replayed ATC (05) after the first use went through', async () => {
    const first = await acquirer.request(tapRequest({ token, atc: 11, amountMinor: 700n, stan: '000005' }));
    expect(getText(first, 39)).toBe('00');
    const replay = await acquirer.request(tapRequest({ token, atc: 11, amountMinor: 700n, stan: '000006' }));
    expect(getText(replay, 39)).toBe('05');
    expect(issuer.receivedOf('0100')).toHaveLength(1);
  });

  it('answers 57 for a suspended token without reaching the issuer or reading its key', async () => {
    const response = await acquirer.request(
      tapRequest({ token: suspended, atc: 1, amountMinor: 100n, stan: '000007' }),
    );
    expect(getText(response, 39)).toBe('57');
    expect(issuer.received).toHaveLength(0);
    expect(directory.masterKeyReads).toBe(0);
  });

  it('answers 14 for an unknown token', async () => {
    const stranger = testToken({ tokenPan: '5413330000000035' });
    const response = await acquirer.request(
      tapRequest({ token: stranger, atc: 1, amountMinor: 100n, stan: '000008' }),
    );
    expect(getText(response, 39)).toBe('14');
    expect(issuer.received).toHaveLength(0);
  });

  it('stands in for a silent issuer after 8 s and sends a 0120 advice until it gets a 0130', async () => {
    let adviceAttempts = 0;
    issuer.behaviour = (request) => {
      if (request.mti !== '0120') return undefined;
      adviceAttempts += 1;
      // The first advice is lost too; the network must try again.
      return adviceAttempts === 1 ? undefined : answer(request, '00');
    };
    const pending = acquirer.request(tapRequest({ token, atc: 12, amountMinor: 2_000n, stan: '000009' }));
    await vi.waitFor(() => expect(issuer.receivedOf('0100')).toHaveLength(1));
    await clock.advanceMs(7_999);
    await clock.advanceMs(1);
    const response = await pending;
    expect(getText(response, 39)).toBe('00');
    expect(getText(response, 38)).toMatch(/^S\d{5}$/);
    expect(findTlvValue(getTlv(response) ?? [], '91')).toBeDefined();

    expect(issuer.receivedOf('0120')).toHaveLength(0);
    expect(network.advices.pendingCount()).toBe(1);
    await clock.advanceMs(2_000);
    await vi.waitFor(() => expect(issuer.receivedOf('0120')).toHaveLength(1));
    await clock.advanceMs(8_000); // the first advice attempt times out
    await clock.advanceMs(5_000); // second attempt
    await vi.waitFor(() => expect(network.advices.pendingCount()).toBe(0));
    const advices = issuer.receivedOf('0120');
    expect(advices).toHaveLength(2);
    expect(getText(advices[1]!, 39)).toBe('00');
    expect(getText(advices[1]!, 38)).toBe(getText(response, 38));
    expect(getText(advices[1]!, 63)).toBe(getText(response, 63));
    expect(advices[1]!.fields.has(2)).toBe(false);
  });

  it('declines 91 in stand-in when configured to decline, and sends no advice', async () => {
    acquirer.close();
    await network.stop();
    const issuerPort = await (async () => {
      await issuer.close();
      issuer = new TestIssuer();
      return issuer.listen();
    })();
    network = await startNetwork({
      issuer: { host: '127.0.0.1', port: issuerPort },
      acquirer: { port: 0 },
      tokens: directory,
      atcLedger: new InMemoryAtcLedger(),
      clock,
      logger: silentLogger,
      events: tracker,
      config: { standIn: 'DECLINE' },
    });
    acquirer = await TestAcquirer.connect(network.acquirerPort);
    issuer.behaviour = () => undefined;
    const pending = acquirer.request(tapRequest({ token, atc: 13, amountMinor: 2_000n, stan: '000010' }));
    await vi.waitFor(() => expect(issuer.receivedOf('0100')).toHaveLength(1));
    await clock.advanceMs(8_000);
    expect(getText(await pending, 39)).toBe('91');
    expect(network.advices.pendingCount()).toBe(0);
  });

  it('forwards a refund (DE3 20) and does not track it for expiry', async () => {
    const response = await acquirer.request(
      tapRequest({ token, atc: 14, amountMinor: 300n, stan: '000011', processingCode: '200000' }),
    );
    expect(getText(response, 39)).toBe('00');
    const forwarded = issuer.receivedOf('0100');
    expect(getText(forwarded[0]!, 3)).toBe('200000');
    expect(tracker.trackedCount()).toBe(0);
  });

  it('links an incremental authorization to its pre-authorization and extends its expiry', async () => {
    const preAuth = await acquirer.request(
      tapRequest({
        token,
        atc: 15,
        amountMinor: 10_000n,
        stan: '000012',
        authorizationType: 'PRE_AUTHORIZATION',
      }),
    );
    const traceId = getText(preAuth, 63) ?? '';
    const expiresBefore = tracker.get(traceId)?.expiresAtMs ?? 0;
    const incremental = tapRequest({
      token,
      atc: 16,
      amountMinor: 2_500n,
      stan: '000013',
      authorizationType: 'INCREMENTAL',
      extraFields: new Map([[63, traceId]]),
    });
    const response = await acquirer.request(incremental);
    expect(getText(response, 39)).toBe('00');
    expect(getText(response, 63)).not.toBe(traceId);
    const forwarded = issuer.receivedOf('0100')[1]!;
    const original = getSubelements(forwarded)?.find(
      (element) => element.id === DE48_ORIGINAL_NETWORK_TRACE_ID,
    );
    expect(original?.value).toBe(traceId);
    expect(getText(forwarded, 61)).toBe('INCREMENTAL');
    expect(tracker.get(traceId)?.expiresAtMs).toBe(expiresBefore + 30 * 86_400_000);
  });
});

describe('reversals', () => {
  it('forwards a full reversal (0400, DE90) with the authorization trace id and stops the expiry timer', async () => {
    const request = tapRequest({ token, atc: 20, amountMinor: 4_000n, stan: '000020' });
    const approved = await acquirer.request(request);
    const traceId = getText(approved, 63) ?? '';
    const reversal: Iso8583Message = {
      mti: '0400',
      fields: new Map<number, FieldValue>([
        [2, token.tokenPan],
        [3, '000000'],
        [4, '000000004000'],
        [7, '1125120500'],
        [11, '000021'],
        [32, '123456'],
        [49, '840'],
        [90, originalOf(request)],
      ]),
    };
    const response = await acquirer.request(reversal);
    expect(response.mti).toBe('0410');
    expect(getText(response, 39)).toBe('00');
    const forwarded = issuer.receivedOf('0400');
    expect(forwarded).toHaveLength(1);
    expect(getText(forwarded[0]!, 63)).toBe(traceId);
    expect(getText(forwarded[0]!, 90)).toBe(originalOf(request));
    expect(forwarded[0]!.fields.has(2)).toBe(false);
    expect(tracker.get(traceId)).toBeUndefined();
  });

  it('forwards a partial reversal (0420 with DE95) and keeps the authorization open', async () => {
    const request = tapRequest({ token, atc: 21, amountMinor: 4_000n, stan: '000022' });
    const approved = await acquirer.request(request);
    const traceId = getText(approved, 63) ?? '';
    const de95 = `${'000000001500'}${'0'.repeat(30)}`;
    const reversal: Iso8583Message = {
      mti: '0420',
      fields: new Map<number, FieldValue>([
        [2, token.tokenPan],
        [4, '000000004000'],
        [7, '1125120600'],
        [11, '000023'],
        [32, '123456'],
        [49, '840'],
        [90, originalOf(request)],
        [95, de95],
      ]),
    };
    const response = await acquirer.request(reversal);
    expect(response.mti).toBe('0430');
    expect(getText(response, 39)).toBe('00');
    const forwarded = issuer.receivedOf('0420');
    expect(forwarded).toHaveLength(1);
    expect(getText(forwarded[0]!, 95)).toBe(de95);
    expect(tracker.get(traceId)?.status).toBe('OPEN');
  });

  it('answers 12 to a reversal of an unknown authorization without reaching the issuer', async () => {
    const reversal: Iso8583Message = {
      mti: '0400',
      fields: new Map<number, FieldValue>([
        [2, token.tokenPan],
        [11, '000030'],
        [
          90,
          formatOriginalDataElements({
            mti: '0100',
            stan: '999999',
            transmissionDateTime: '1125120000',
            acquirerId: '123456',
          }),
        ],
      ]),
    };
    expect(getText(await acquirer.request(reversal), 39)).toBe('12');
    expect(issuer.received).toHaveLength(0);
  });
});

describe('network management', () => {
  it('answers an echo 0800 with 0810 00', async () => {
    const response = await acquirer.request({
      mti: '0800',
      fields: new Map<number, FieldValue>([
        [7, '1125120000'],
        [11, '000040'],
        [70, '301'],
      ]),
    });
    expect(response.mti).toBe('0810');
    expect(getText(response, 39)).toBe('00');
    expect(getText(response, 70)).toBe('301');
  });
});

describe('expiry of an authorization approved through the network', () => {
  it('expires a final authorization after 7 days unless it is cleared', async () => {
    const approved = await acquirer.request(
      tapRequest({ token, atc: 40, amountMinor: 100n, stan: '000050' }),
    );
    const traceId = getText(approved, 63) ?? '';
    await clock.advanceMs(7 * 86_400_000 - 1);
    expect(expired).toEqual([]);
    await clock.advanceMs(1);
    await vi.waitFor(() => expect(expired).toEqual([traceId]));
  });
});

describe('logs', () => {
  it('never contain a token PAN, the master key or a session key', async () => {
    await acquirer.request(tapRequest({ token, atc: 60, amountMinor: 100n, stan: '000060' }));
    await acquirer.request(tapRequest({ token, atc: 60, amountMinor: 100n, stan: '000061' }));
    await acquirer.request(tapRequest({ token: suspended, atc: 1, amountMinor: 100n, stan: '000062' }));
    const text = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(2);
    expect(text).toContain('541333******0019');
    expect(text).not.toContain(token.tokenPan);
    expect(text).not.toContain(suspended.tokenPan);
    const mk = bytesToHex(iccMasterKeyOf(token));
    const sessionKey = bytesToHex(
      deriveSessionKey(nodeBlockCipher, {
        mk: iccMasterKeyOf(token),
        r: sessionKeyInputCvn20(Uint8Array.from([0, 60])),
      }),
    );
    expect(text.toUpperCase()).not.toContain(mk);
    expect(text.toUpperCase()).not.toContain(sessionKey);
  });
});
