// Base64 without Buffer: this folder runs in browsers and React Native too. atob/btoa are globals in
// Node 16+ and every browser; they work on "binary strings" (one char per byte), hence the loops.

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Strict standard base64 (padded, no whitespace); undefined for anything else. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!base64Pattern.test(text)) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function isBase64(text: string): boolean {
  return base64Pattern.test(text);
}
