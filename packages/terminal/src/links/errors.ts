// Why an NFC exchange failed. The reader turns every one of them into TRY_AGAIN: the card may simply
// have left the field, and a second tap is the usual remedy.

export type LinkErrorCode =
  /** No answer within the link's (or the reader's) timeout. */
  | 'LINK_TIMEOUT'
  /** The link was closed (the card left the field, the tab was closed). */
  | 'LINK_CLOSED'
  /** The card side failed or answered something that is not a response APDU. */
  | 'LINK_FAILED'
  /** Too many commands are waiting for an answer already. */
  | 'LINK_BUSY';

export class LinkError extends Error {
  override readonly name = 'LinkError';
  constructor(
    readonly code: LinkErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A response APDU is at most 256 data bytes and SW1 SW2; a command at most 5 + 255 + 1. */
export const apduBytesMax = 261;
