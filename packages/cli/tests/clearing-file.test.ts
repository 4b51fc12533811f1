import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readClearingFileAt } from '@tapkit/mastercard';
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../src/main.ts';

describe('tapkit clearing-file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes N synthetic records that the streaming reader accepts whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapkit-clearing-cli-'));
    dirs.push(dir);
    const path = join(dir, 'day.ipm');
    expect(await main(['clearing-file', path, '--records', '250'])).toBe(0);
    let records = 0;
    let acceptedCount: number | undefined;
    for await (const event of readClearingFileAt(path)) {
      if (event.type === 'record') records++;
      if (event.type === 'accepted') acceptedCount = event.recordCount;
      expect(event.type).not.toBe('rejected');
    }
    expect(records).toBe(250);
    expect(acceptedCount).toBe(250);
  });

  it('refuses a record count that is not a whole number', async () => {
    expect(await main(['clearing-file', join(tmpdir(), 'never.ipm'), '--records', 'many'])).toBe(2);
  });
});
