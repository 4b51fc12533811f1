// Base64 without Buffer, so the protocol core runs in browsers too (atob/btoa are globals in Node 16+
// and every browser; they work on "binary strings", one char per byte).

const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

/** Base64 with any whitespace (line breaks, spaces, tabs) removed; undefined unless well-formed. */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64_PATTERN.test(compact)) return undefined;
  const binary = atob(compact);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Standard padded base64 of the bytes. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
