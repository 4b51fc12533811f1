import { describe, expect, it } from 'vitest';
import { isSdkError, SDK_RESULT_CODES, SdkError, toSdkError } from './errors.ts';

describe('SDK result codes', () => {
  it('numbers 10000 to 10011 in the doc order, each once, and nothing above', () => {
    expect(Object.values(SDK_RESULT_CODES)).toEqual(Array.from({ length: 12 }, (_, i) => 10000 + i));
    expect(SDK_RESULT_CODES.DEVICE_UNSAFE).toBe(10002);
    expect(SDK_RESULT_CODES.NETWORK_EXCEPTION).toBe(10005);
    expect(SDK_RESULT_CODES.ACTIVATION_IN_PROGRESS).toBe(10010);
  });

  it('makes errors values with a code, a name and the upstream code', () => {
    const error = SdkError.of('TOKEN_UNAVAILABLE', undefined, 'TOKEN_SUSPENDED');
    expect(error).toMatchObject({
      code: 10008,
      resultName: 'TOKEN_UNAVAILABLE',
      upstreamCode: 'TOKEN_SUSPENDED',
    });
    expect(error.message).toMatch(/^10008 TOKEN_UNAVAILABLE/);
    expect(isSdkError(error)).toBe(true);
    expect(toSdkError(new TypeError('boom'))).toMatchObject({ code: 10004 });
    expect(toSdkError(error)).toBe(error);
  });
});
