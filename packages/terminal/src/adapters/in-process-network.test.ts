import { VirtualClock } from '@tapkit/protocol';
import { describe, expect, it } from 'vitest';
import { InProcessNetworkConnection } from './in-process-network.ts';

const request = {
  mti: '0800',
  fields: new Map([
    [11, '000001'],
    [41, 'TAPKIT01'],
    [70, '301'],
  ]),
};

describe('the in-process network connection', () => {
  it('passes the request and the answer through the codec', async () => {
    const connection = new InProcessNetworkConnection(
      async (received) => ({ mti: '0810', fields: new Map([...received.fields, [39, '00']]) }),
      new VirtualClock(),
    );
    const result = await connection.exchange(request, 1_000);
    expect(result.ok && result.value.fields.get(39)).toBe('00');
  });

  it('a silent handler is a timeout, on the injected clock', async () => {
    const clock = new VirtualClock();
    const connection = new InProcessNetworkConnection(() => new Promise(() => undefined), clock);
    const pending = connection.exchange(request, 1_000);
    await clock.advanceMs(1_000);
    expect(await pending).toEqual({ ok: false, error: { code: 'NETWORK_TIMEOUT' } });
  });

  it('a handler that throws is a lost link', async () => {
    const connection = new InProcessNetworkConnection(async () => {
      throw new Error('network down');
    }, new VirtualClock());
    expect(await connection.exchange(request, 1_000)).toEqual({
      ok: false,
      error: { code: 'NETWORK_LINK_LOST' },
    });
  });
});
