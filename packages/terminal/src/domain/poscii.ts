// POS Cardholder Interaction Information (DF4B, 3 bytes) as a Mastercard mobile card sends it with an
// AAC when the cardholder must act on the phone first (the two-tap consumer-device CVM flow).

/**
 * (tapkit) The bits that mean "cardholder action on the phone is needed": Kernel 2 reads byte 2 bits
 * 1–2 and byte 3 bits 1–4 (mask 00 03 0F); Tapkit also counts byte 2 bits 3–5 (0x1C: PIN required,
 * acknowledgement required, context conflicting), so a card that sets any of them gets "See phone".
 */
export const POSCII_SEE_PHONE_MASK = Uint8Array.of(0x00, 0x1f, 0x0f);

/**
 * (tapkit) What the Tapkit card (packages/sdk) sends for "PIN required / see phone": byte 1 version 00,
 * byte 2 0x10 (on-device verification required).
 */
export const POSCII_SEE_PHONE = Uint8Array.of(0x00, 0x10, 0x00);

/** True when the card asks the cardholder to look at the phone and tap again. */
export function posciiAsksToSeePhone(poscii: Uint8Array | undefined): boolean {
  if (poscii === undefined || poscii.length !== 3) return false;
  return POSCII_SEE_PHONE_MASK.some((mask, index) => ((poscii[index] ?? 0) & mask) !== 0);
}
