import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';
import { ensurePartyKeys, ensureSecret } from '../data-dir.ts';

// Every key and shared secret of the one-process system, generated on first start under dataDir/keys and
// read back afterwards, so tokens provisioned yesterday (whose MK derives from the IMK) still tap today.

export interface PartyKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privatePath: string;
  readonly publicPath: string;
}

export interface SystemKeys {
  readonly mpp: PartyKeys;
  readonly alipayPlus: PartyKeys;
  /** Signs the token service's calls to Alipay+ (authorizeService, notifyTokenUpdated). */
  readonly mastercard: PartyKeys;
  /** PEM text of the token service's device-registration key (devices seal their registration to it). */
  readonly tokenServiceEncryptionPem: string;
  /** IMK-AC of this environment, 16 bytes. */
  readonly imk: Uint8Array;
  /** Bearer the MPP server presents to the token service's /mdes/v1/sdk. */
  readonly mppTokenServiceSecret: string;
  /** Bearer the Ant server presents to the token service's /mdes/v1/tokens. */
  readonly antTokenServiceSecret: string;
  /** The MPP admin API's bearer token (dataDir/admin-token, as `tapkit up` always had it). */
  readonly adminToken: string;
}

const secretFileMode = 0o600;
const imkBytes = 16;

export function ensureSystemKeys(dataDir: string): SystemKeys {
  const keysDir = join(dataDir, 'keys');
  const encryption = ensurePartyKeys(dataDir, 'mastercard-token-service-encryption');
  return {
    mpp: partyKeys(dataDir, 'mpp'),
    alipayPlus: partyKeys(dataDir, 'alipayplus'),
    mastercard: partyKeys(dataDir, 'mastercard'),
    tokenServiceEncryptionPem: readFileSync(encryption.privatePath, 'utf8'),
    imk: ensureImk(keysDir),
    mppTokenServiceSecret: ensureSecret(keysDir, 'mpp-token-service-secret'),
    antTokenServiceSecret: ensureSecret(keysDir, 'ant-token-service-secret'),
    adminToken: ensureSecret(dataDir, 'admin-token'),
  };
}

function partyKeys(dataDir: string, party: string): PartyKeys {
  const paths = ensurePartyKeys(dataDir, party);
  const privateKey = loadPrivateKey(readFileSync(paths.privatePath, 'utf8'));
  const publicKey = loadPublicKey(readFileSync(paths.publicPath, 'utf8'));
  if (!privateKey.ok) throw new Error(`the ${party} private key is unusable: ${privateKey.error.code}`);
  if (!publicKey.ok) throw new Error(`the ${party} public key is unusable: ${publicKey.error.code}`);
  return { privateKey: privateKey.value, publicKey: publicKey.value, ...paths };
}

/** The IMK-AC as 32 hex digits in keys/imk-ac.hex, readable by the owner only. */
function ensureImk(keysDir: string): Uint8Array {
  const path = join(keysDir, 'imk-ac.hex');
  if (!existsSync(path)) {
    mkdirSync(keysDir, { recursive: true });
    writeFileSync(path, `${randomBytes(imkBytes).toString('hex')}\n`, { mode: secretFileMode });
  }
  const hex = readFileSync(path, 'utf8').trim();
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`${path} must hold 32 hex digits (the IMK-AC)`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}
