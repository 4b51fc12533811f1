import { decodeIso8583, encodeIso8583, type Iso8583Message, iso8583v1987 } from '@tapkit/emv';
import type { Clock, NetworkConnection, NetworkExchangeResult } from '../ports.ts';

// A network connection that calls a message handler in the same process (the card network's
// NetworkService.handle, or a test double). Every message goes through the ISO 8583 codec both ways,
// so what passes here would also pass the TCP link.

export type NetworkHandler = (request: Iso8583Message) => Promise<Iso8583Message | undefined>;

export class InProcessNetworkConnection implements NetworkConnection {
  constructor(
    private readonly handler: NetworkHandler,
    private readonly clock: Clock,
  ) {}

  async exchange(request: Iso8583Message, timeoutMs: number): Promise<NetworkExchangeResult> {
    const wire = decodeIso8583(iso8583v1987, encodeIso8583(iso8583v1987, request));
    if (!wire.ok) return { ok: false, error: { code: 'NETWORK_UNAVAILABLE' } };
    let timer: { cancel(): void } | undefined;
    const timeout = new Promise<'TIMEOUT'>((resolve) => {
      timer = this.clock.setTimer(timeoutMs, () => resolve('TIMEOUT'));
    });
    try {
      const answer = await Promise.race([this.handler(wire.value), timeout]);
      if (answer === 'TIMEOUT' || answer === undefined)
        return { ok: false, error: { code: 'NETWORK_TIMEOUT' } };
      const decoded = decodeIso8583(iso8583v1987, encodeIso8583(iso8583v1987, answer));
      return decoded.ok
        ? { ok: true, value: decoded.value }
        : { ok: false, error: { code: 'NETWORK_LINK_LOST' } };
    } catch {
      return { ok: false, error: { code: 'NETWORK_LINK_LOST' } };
    } finally {
      timer?.cancel();
    }
  }
}
