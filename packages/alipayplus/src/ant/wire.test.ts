import { readFileSync } from 'node:fs';
import { sdkBodyCharsMax } from '@tapkit/protocol';
import {
  AntRequestSchemas,
  antError,
  antResponseSchema,
  EVENTS_PER_PULL_MAX,
  SUSPEND_REASONS,
  TOKENS_PER_STATUS_MAX,
} from '@tapkit/protocol/wire/ant-sdk';
import { describe, expect, it } from 'vitest';
import { tokenInfoOf } from './domain/token.ts';

describe('ant wire', () => {
  it('stays isomorphic: no node: imports, only zod', () => {
    const source = readFileSync(new URL('../../../protocol/src/wire/ant-sdk.ts', import.meta.url), 'utf8');
    const imports = [...source.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['zod']);
  });

  it('parses every op strictly', () => {
    expect(
      AntRequestSchemas.SYNC_TOKEN.safeParse({ op: 'LOCK', tokenUniqueReference: 'DTKMC1' }).success,
    ).toBe(true);
    expect(
      AntRequestSchemas.SYNC_TOKEN.safeParse({ op: 'LOCK', tokenUniqueReference: 'DTKMC1', x: 1 }).success,
    ).toBe(false);
    expect(AntRequestSchemas.SYNC_TOKEN.safeParse({ op: 'LOCK' }).success).toBe(false);
    expect(AntRequestSchemas.SYNC_TOKEN.safeParse({ op: 'STATUS' }).success).toBe(true);
    expect(AntRequestSchemas.NOTIFY.safeParse({ op: 'PULL', limit: EVENTS_PER_PULL_MAX + 1 }).success).toBe(
      false,
    );
    expect(
      AntRequestSchemas.TRANSFER.safeParse({
        op: 'ACTIVATION_RESULT',
        tokenUniqueReference: 'T',
        result: 'SUCCESS',
      }).success,
    ).toBe(true);
  });

  it('reads error answers with codes it does not know', () => {
    const schema = antResponseSchema('LOCK');
    expect(schema.parse({ ok: false, error: antError('MASTERCARD_UNAVAILABLE') })).toMatchObject({
      ok: false,
      error: { code: 'MASTERCARD_UNAVAILABLE', retryable: true },
    });
    expect(
      schema.safeParse({ ok: false, error: { code: 'NEWER_CODE', message: '', retryable: false } }).success,
    ).toBe(true);
  });
});

describe('answer sizes', () => {
  it('the largest STATUS and PULL answers fit in sdkResponseBody', () => {
    const info = tokenInfoOf({
      tokenUniqueReference: 'X'.repeat(64),
      mppClientId: 'M',
      customerId: 'c',
      applicationStatus: 'APPROVED',
      tokenState: 'SUSPENDED',
      suspendedBy: [...SUSPEND_REASONS],
      stateTimeMs: 1,
      activation: 'ACTIVATED',
      confirmation: 'NOT_REQUIRED',
      createdAtMs: 1,
      updatedAtMs: 9_999_999_999_999,
      version: 1,
    });
    const event = {
      sequence: Number.MAX_SAFE_INTEGER,
      tokenUniqueReference: info.tokenUniqueReference,
      kind: 'DEACTIVATED',
      token: info,
      eventTimeMs: 9_999_999_999_999,
    };
    const events = Array(EVENTS_PER_PULL_MAX).fill(event);
    const pull = JSON.stringify({ ok: true, value: { events, lastSequence: Number.MAX_SAFE_INTEGER } });
    const tokens = Array(TOKENS_PER_STATUS_MAX).fill(info);
    const status = JSON.stringify({ ok: true, value: { customerStatus: 'FROZEN', tokens } });
    expect(antResponseSchema('PULL').safeParse(JSON.parse(pull)).success).toBe(true);
    expect(pull.length).toBeLessThanOrEqual(sdkBodyCharsMax);
    expect(status.length).toBeLessThanOrEqual(sdkBodyCharsMax);
  });
});
