import { createPrivateKey } from 'node:crypto';
import { VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair } from '@tapkit/protocol/node';
import { describe, expect, it } from 'vitest';
import { GATEWAY_CONFIG_DEFAULT, type MppEndpoint, SignedMppGateway } from './mpp-gateway.ts';

const signingKey = { key: createPrivateKey(generateRsaKeyPair().privateKeyPem), keyVersion: '1' };
const clock = new VirtualClock(Date.parse('2026-11-25T02:00:00Z'));

function endpoint(mppId: string, walletCurrency?: string): MppEndpoint {
  return {
    mppId,
    baseUrl: 'http://127.0.0.1:9',
    clientId: mppId,
    signingKey,
    peerVerifyKeys: new Map(),
    ...(walletCurrency === undefined ? {} : { walletCurrency }),
  };
}

describe('SignedMppGateway.quoteFor', () => {
  const gateway = new SignedMppGateway([endpoint('HK', 'HKD'), endpoint('ANY')], clock);

  it('quotes from the default table into the wallet currency, valid 10 minutes', () => {
    const quote = gateway.quoteFor('HK', 'USD');
    expect(quote.ok && quote.value).toMatchObject({
      walletCurrency: 'HKD',
      quoteCurrencyPair: 'USD/HKD',
      quotePrice: '7.8000',
      quoteStartTime: '2026-11-25T10:00:00+08:00',
      quoteExpiryTime: '2026-11-25T10:10:00+08:00',
    });
  });

  it('needs no quote in the wallet currency or for an MPP without one', () => {
    expect(gateway.quoteFor('HK', 'HKD')).toEqual({ ok: true, value: undefined });
    expect(gateway.quoteFor('ANY', 'USD')).toEqual({ ok: true, value: undefined });
  });

  it('refuses a pair the table has no rate for', () => {
    const quote = gateway.quoteFor('HK', 'JPY');
    expect(quote.ok ? undefined : quote.error.code).toBe('QUOTE_PAIR_UNSUPPORTED');
  });

  it('refuses to start with a wallet currency that is not ISO 4217', () => {
    expect(() => new SignedMppGateway([endpoint('X', 'HKX')], clock, GATEWAY_CONFIG_DEFAULT)).toThrow(
      /walletCurrency/,
    );
  });
});
