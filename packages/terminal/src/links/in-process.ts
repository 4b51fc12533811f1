import type { NfcLink } from '../ports.ts';
import { LinkError } from './errors.ts';

// The card and the reader in one process: the link is a function call into the card (the SDK's
// processApdu). Bytes are copied both ways so neither side can mutate the other's buffers.

export type ApduHandler = (command: Uint8Array) => Promise<Uint8Array>;

export class InProcessNfcLink implements NfcLink {
  private closed = false;

  constructor(private readonly handler: ApduHandler) {}

  async transceive(command: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new LinkError('LINK_CLOSED', 'the in-process link is closed');
    let response: Uint8Array;
    try {
      response = await this.handler(command.slice());
    } catch (cause) {
      throw new LinkError('LINK_FAILED', `card handler failed: ${String(cause)}`);
    }
    if (this.closed) throw new LinkError('LINK_CLOSED', 'the link was closed during the exchange');
    if (!(response instanceof Uint8Array))
      throw new LinkError('LINK_FAILED', 'card answered a non-byte value');
    return response.slice();
  }

  /** Takes the card out of the field: later and pending exchanges fail with LINK_CLOSED. */
  close(): void {
    this.closed = true;
  }
}

export function inProcessNfcLink(handler: ApduHandler): InProcessNfcLink {
  return new InProcessNfcLink(handler);
}
