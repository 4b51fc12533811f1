import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { base64ToBytes, bytesToBase64 } from './base64.ts';
import {
  ENVELOPE_CONTEXTS,
  EnvelopeSchema,
  exportPublicKeySpkiBase64,
  generateEnvelopeKeyPair,
  importEncryptionPublicKey,
  openEnvelope,
  openJson,
  sealEnvelope,
  sealJson,
} from './envelope.ts';

const recipient = await generateEnvelopeKeyPair();
const other = await generateEnvelopeKeyPair();
const plaintext = new TextEncoder().encode('session key material');
const context = ENVELOPE_CONTEXTS.credential('DTKMC00', 7);

describe('credential envelope', () => {
  it('round-trips through an SPKI-imported public key', async () => {
    const spki = await exportPublicKeySpkiBase64(recipient.publicKey);
    const imported = await importEncryptionPublicKey(spki);
    if (!imported.ok) throw new Error(imported.error.message);
    const envelope = await sealEnvelope({ publicKey: imported.value, plaintext, context });
    expect(EnvelopeSchema.parse(envelope)).toEqual(envelope);
    expect(base64ToBytes(envelope.wrappedKey)).toHaveLength(256);
    const opened = await openEnvelope({ privateKey: recipient.privateKey, envelope, context });
    expect(opened).toEqual({ ok: true, value: plaintext });
  });

  it('refuses the wrong key, the wrong context and any altered byte alike', async () => {
    const envelope = await sealEnvelope({ publicKey: recipient.publicKey, plaintext, context });
    const flip = (text: string, at: number) => {
      const bytes = base64ToBytes(text) ?? new Uint8Array();
      bytes[at] = (bytes[at] ?? 0) ^ 0x01;
      return bytesToBase64(bytes);
    };
    const attempts = [
      openEnvelope({ privateKey: other.privateKey, envelope, context }),
      openEnvelope({
        privateKey: recipient.privateKey,
        envelope,
        context: ENVELOPE_CONTEXTS.credential('DTKMC00', 8),
      }),
      openEnvelope({
        privateKey: recipient.privateKey,
        envelope: { ...envelope, ciphertext: flip(envelope.ciphertext, 3) },
        context,
      }),
      openEnvelope({
        privateKey: recipient.privateKey,
        envelope: { ...envelope, iv: flip(envelope.iv, 0) },
        context,
      }),
      openEnvelope({
        privateKey: recipient.privateKey,
        envelope: { ...envelope, wrappedKey: flip(envelope.wrappedKey, 9) },
        context,
      }),
    ];
    for (const result of await Promise.all(attempts)) {
      expect(result.ok === false && result.error.code).toBe('ENVELOPE_INVALID');
    }
  });

  it('validates the JSON payload with the given schema', async () => {
    const schema = z.strictObject({ atc: z.int() });
    const good = await sealJson({ publicKey: recipient.publicKey, value: { atc: 5 }, context });
    expect(await openJson({ privateKey: recipient.privateKey, envelope: good, context, schema })).toEqual({
      ok: true,
      value: { atc: 5 },
    });
    const bad = await sealJson({ publicKey: recipient.publicKey, value: { atc: 'five' }, context });
    const result = await openJson({ privateKey: recipient.privateKey, envelope: bad, context, schema });
    expect(result.ok === false && result.error.code).toBe('PAYLOAD_INVALID');
  });

  it('refuses keys that are not RSA-2048+ SPKI', async () => {
    const small = await globalThis.crypto.subtle.generateKey(
      { name: 'RSA-OAEP', hash: 'SHA-256', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) },
      true,
      ['encrypt', 'decrypt'],
    );
    const smallSpki = await exportPublicKeySpkiBase64(small.publicKey);
    const codes = await Promise.all(
      [smallSpki, 'not base64!', bytesToBase64(new Uint8Array(40))].map(async (text) => {
        const result = await importEncryptionPublicKey(text);
        return result.ok ? 'OK' : result.error.code;
      }),
    );
    expect(codes).toEqual(['KEY_TOO_SMALL', 'KEY_INVALID', 'KEY_INVALID']);
  });

  it('rejects envelopes of the wrong shape at the schema', () => {
    const base = { v: 1, alg: 'RSA-OAEP-256+A256GCM', wrappedKey: 'AAAA', iv: 'AAAA', ciphertext: 'AAAA' };
    expect(EnvelopeSchema.safeParse(base).success).toBe(true);
    expect(EnvelopeSchema.safeParse({ ...base, v: 2 }).success).toBe(false);
    expect(EnvelopeSchema.safeParse({ ...base, alg: 'RSA1_5' }).success).toBe(false);
    expect(EnvelopeSchema.safeParse({ ...base, iv: 'A A=' }).success).toBe(false);
    expect(EnvelopeSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });

  it('does not import node modules (the SDK runs it in browsers)', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('.', import.meta.url);
    for (const name of await readdir(dir)) {
      if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
      const source = await readFile(new URL(name, dir), 'utf8');
      expect(source, name).not.toMatch(/from ['"](node:|@tapkit\/protocol)/);
    }
  });
});
