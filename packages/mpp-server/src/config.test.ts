import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateRsaKeyPair } from '@tapkit/protocol/node';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS, configTable, loadConfig, loadKeys, type MppConfig } from './config.ts';

const dir = mkdtempSync(join(tmpdir(), 'tapkit-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function load(input: Parameters<typeof loadConfig>[0]): MppConfig {
  const loaded = loadConfig(input);
  if (!loaded.ok) throw new Error(loaded.error.message);
  return loaded.value;
}

describe('loadConfig', () => {
  it('gives every option its default when there is no file and no environment', () => {
    const config = load({ path: file('empty.json', {}), env: {} });
    expect(config.port).toBe(4100);
    expect(config.db).toBe('./data/mpp.sqlite');
    expect(config.notifyEnabled).toBe(true);
    expect(config.users).toEqual([]);
    expect(Object.keys(config).sort()).toEqual(Object.keys(CONFIG_OPTIONS).sort());
  });

  it('takes the file over the defaults and the environment over the file', () => {
    const path = file('both.json', {
      mpp: { port: 5000, host: '0.0.0.0', logLevel: 'warn', notifyEnabled: false },
    });
    const config = load({
      path,
      env: { TAPKIT_MPP_PORT: '6000', TAPKIT_DB: 'postgres://db/x', TAPKIT_NOTIFY_ENABLED: 'true' },
    });
    expect(config.port).toBe(6000);
    expect(config.host).toBe('0.0.0.0');
    expect(config.logLevel).toBe('warn');
    expect(config.db).toBe('postgres://db/x');
    expect(config.notifyEnabled).toBe(true);
  });

  it('reads JSON options (limits, users) from the file and from the environment', () => {
    const limits = { HKD: { amountPerPaymentMax: '500000', dailyCountMax: 50 } };
    const users = [{ username: 'alice', password: 'pw', customerId: 'C-1', currencies: ['HKD'] }];
    const fromFile = load({ path: file('json.json', { mpp: { limits, users } }), env: {} });
    expect(fromFile.limits).toEqual(limits);
    expect(fromFile.users).toEqual(users);
    const fromEnv = load({ path: file('e.json', {}), env: { TAPKIT_LIMITS: JSON.stringify(limits) } });
    expect(fromEnv.limits).toEqual(limits);
  });

  it('names the option and its variable for every bad value', () => {
    const loaded = loadConfig({
      path: file('bad.json', {
        mpp: { adminToken: 'short', limits: { HKD: { dailyAmountMax: '-1' } }, colour: 'red' },
      }),
      env: { TAPKIT_MPP_PORT: '70000', TAPKIT_NOTIFY_ENABLED: 'maybe', TAPKIT_ALIPAYPLUS_URL: 'ftp://x' },
    });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error.code).toBe('CONFIG_INVALID');
    const message = loaded.error.message;
    expect(message).toContain('port (TAPKIT_MPP_PORT)');
    expect(message).toContain('notifyEnabled (TAPKIT_NOTIFY_ENABLED): "maybe" is not true or false');
    expect(message).toContain('alipayPlusUrl (TAPKIT_ALIPAYPLUS_URL)');
    expect(message).toContain('adminToken (TAPKIT_ADMIN_TOKEN)');
    expect(message).toContain('limits (TAPKIT_LIMITS): HKD.dailyAmountMax');
    expect(message).toContain('colour: unknown option');
  });

  it('takes a lower-case PostgreSQL schema name and refuses anything that is not one', () => {
    expect(load({ path: file('s.json', {}), env: { TAPKIT_DB_SCHEMA: 'tapkit_mpp' } }).dbSchema).toBe(
      'tapkit_mpp',
    );
    expect(load({ path: file('s.json', {}), env: {} }).dbSchema).toBe('');
    const bad = loadConfig({ path: file('s.json', {}), env: { TAPKIT_DB_SCHEMA: 'mpp; drop table x' } });
    expect(!bad.ok && bad.error.message).toContain('dbSchema (TAPKIT_DB_SCHEMA)');
  });

  it('refuses a user with both or neither of password and passwordHash', () => {
    const loaded = loadConfig({
      path: file('u.json', { mpp: { users: [{ username: 'a', customerId: 'C' }] } }),
      env: {},
    });
    expect(!loaded.ok && loaded.error.message).toMatch(/users \(TAPKIT_USERS\): 0: give exactly one/);
  });

  it('reports a missing explicit file, a non-JSON file and a non-object section', () => {
    const missing = loadConfig({ path: join(dir, 'nope.json'), env: {} });
    expect(!missing.ok && missing.error.code).toBe('CONFIG_FILE_UNREADABLE');
    const notJson = loadConfig({ path: file('broken.json', '{"mpp":'), env: {} });
    expect(!notJson.ok && notJson.error.code).toBe('CONFIG_FILE_NOT_JSON');
    const badSection = loadConfig({ path: file('section.json', { mpp: [1] }), env: {} });
    expect(!badSection.ok && badSection.error.code).toBe('CONFIG_FILE_NOT_JSON');
  });

  it('lets overrides win over everything', () => {
    const config = load({
      path: file('o.json', { mpp: { port: 1 } }),
      env: { TAPKIT_MPP_PORT: '2' },
      overrides: { port: 0 },
    });
    expect(config.port).toBe(0);
  });

  it('documents every option with its variable, default and description', () => {
    const table = configTable();
    expect(table).toHaveLength(Object.keys(CONFIG_OPTIONS).length);
    for (const row of table) {
      expect(row.env).toMatch(/^TAPKIT_[A-Z0-9_]+$/);
      expect(row.description.length).toBeGreaterThan(10);
    }
    expect(new Set(table.map((row) => row.env)).size).toBe(table.length);
  });
});

describe('loadKeys', () => {
  const mpp = generateRsaKeyPair();
  const alipay = generateRsaKeyPair();
  const alipayNext = generateRsaKeyPair();

  it('reads a PEM private key and base64 or PEM public keys by version', () => {
    const config = load({
      path: file('k.json', {}),
      env: {
        TAPKIT_MPP_PRIVATE_KEY_FILE: file('mpp.pem', mpp.privateKeyPem),
        TAPKIT_MPP_KEY_VERSION: '3',
        TAPKIT_ALIPAYPLUS_PUBLIC_KEY_FILES: `1=${file('a1.b64', alipay.publicKeyBase64)},2=${file('a2.pem', alipayNext.publicKeyPem)}`,
      },
    });
    const keys = loadKeys(config);
    expect(keys.ok).toBe(true);
    if (!keys.ok) return;
    expect(keys.value.signingKey.keyVersion).toBe('3');
    expect(keys.value.signingKey.key.type).toBe('private');
    expect([...keys.value.alipayPlusVerifyKeys.keys()]).toEqual(['1', '2']);
  });

  it('reports an unreadable or invalid key file without echoing its content', () => {
    const secret = 'not-a-key-but-secret-looking';
    const config = load({
      path: file('k2.json', {}),
      env: {
        TAPKIT_MPP_PRIVATE_KEY_FILE: file('bad.pem', secret),
        TAPKIT_ALIPAYPLUS_PUBLIC_KEY_FILES: `1=${join(dir, 'missing.pem')}`,
      },
    });
    const keys = loadKeys(config);
    expect(!keys.ok && keys.error.code).toBe('KEY_FILE_INVALID');
    expect(!keys.ok && keys.error.message).not.toContain(secret);
    const missing = loadKeys({ ...config, privateKeyFile: file('good.pem', mpp.privateKeyPem) });
    expect(!missing.ok && missing.error.message).toMatch(/cannot read key file .*missing\.pem: ENOENT/);
  });
});
