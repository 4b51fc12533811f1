import { describe, expect, it } from 'vitest';
import {
  API_NAMES,
  API_PATHS,
  API_TIMEOUTS_MS,
  httpStatusOf,
  isResultCode,
  PAYMENT_RESULT_CODES,
  RESULT_CODES,
  type ResultCode,
  result,
  SDK_PROXY_UPSTREAM_EXPIRY_MS,
} from './result-codes.ts';

const codes = Object.keys(RESULT_CODES) as ResultCode[];

describe('result-code catalog', () => {
  it('gives every code a status S, F or U, a message and at least one API', () => {
    for (const code of codes) {
      const entry = RESULT_CODES[code];
      expect(['S', 'F', 'U'], code).toContain(entry.status);
      expect(entry.message.length, code).toBeGreaterThan(0);
      expect(entry.apis.length, code).toBeGreaterThan(0);
      for (const api of entry.apis) expect(API_NAMES, code).toContain(api);
      expect(code).toMatch(/^[A-Z][A-Z_]*$/);
    }
  });

  it('has a success code for every API, and only SUCCESS is S', () => {
    for (const api of API_NAMES) {
      const successes = codes.filter(
        (code) => RESULT_CODES[code].status === 'S' && RESULT_CODES[code].apis.includes(api),
      );
      expect(successes, api).toEqual(['SUCCESS']);
    }
  });

  it('keeps the documented statuses', () => {
    expect(RESULT_CODES.UNKNOWN_EXCEPTION.status).toBe('U');
    expect(RESULT_CODES.PAYMENT_IN_PROCESS.status).toBe('U');
    expect(RESULT_CODES.USER_BALANCE_NOT_ENOUGH.status).toBe('F');
    expect(RESULT_CODES.REPEAT_REQ_INCONSISTENT.status).toBe('F');
    expect(RESULT_CODES.ORDER_IS_CLOSED.status).toBe('F');
    expect(RESULT_CODES.CANCEL_WINDOW_EXCEEDED.apis).toEqual(['cancelPayment']);
  });

  it('every API answers the common signature and parameter errors', () => {
    for (const api of API_NAMES) {
      for (const code of [
        'PARAM_ILLEGAL',
        'INVALID_SIGNATURE',
        'INVALID_CLIENT',
        'UNKNOWN_EXCEPTION',
      ] as const) {
        expect(RESULT_CODES[code].apis, `${api} ${code}`).toContain(api);
      }
    }
  });

  it('payment results cover pay outcomes and in-process', () => {
    expect(PAYMENT_RESULT_CODES).toContain('SUCCESS');
    expect(PAYMENT_RESULT_CODES).toContain('PAYMENT_IN_PROCESS');
    expect(PAYMENT_RESULT_CODES).toContain('USER_BALANCE_NOT_ENOUGH');
    expect(PAYMENT_RESULT_CODES).toContain('ORDER_IS_CLOSED');
    expect(PAYMENT_RESULT_CODES).not.toContain('CANCEL_WINDOW_EXCEEDED');
    expect(new Set(PAYMENT_RESULT_CODES).size).toBe(PAYMENT_RESULT_CODES.length);
  });

  it('builds wire results', () => {
    expect(result('SUCCESS')).toEqual({
      resultCode: 'SUCCESS',
      resultStatus: 'S',
      resultMessage: 'Success.',
    });
    expect(result('RISK_REJECT', 'velocity')).toEqual({
      resultCode: 'RISK_REJECT',
      resultStatus: 'F',
      resultMessage: 'velocity',
    });
    expect(isResultCode('SUCCESS')).toBe(true);
    expect(isResultCode('toString')).toBe(false);
    expect(isResultCode('NOT_A_CODE')).toBe(false);
  });
});

describe('codes named in docs/protocol/alipayplus-api.md', () => {
  // Every code the spec names, with the status it documents; the catalog must hold each one.
  const named: Record<string, 'S' | 'F' | 'U'> = {
    SUCCESS: 'S',
    USER_BALANCE_NOT_ENOUGH: 'F',
    USER_NOT_EXIST: 'F',
    USER_STATUS_ABNORMAL: 'F',
    PAYMENT_AMOUNT_EXCEED_LIMIT: 'F',
    USER_AMOUNT_EXCEED_LIMIT: 'F',
    PAYMENT_COUNT_EXCEED_LIMIT: 'F',
    RISK_REJECT: 'F',
    ORDER_IS_CLOSED: 'F',
    CURRENCY_NOT_SUPPORT: 'F',
    REPEAT_REQ_INCONSISTENT: 'F',
    PARAM_ILLEGAL: 'F',
    INVALID_SIGNATURE: 'F',
    INVALID_CLIENT: 'F',
    UNKNOWN_EXCEPTION: 'U',
    METHOD_NOT_SUPPORTED: 'F',
    INVALID_API: 'F',
    MEDIA_TYPE_NOT_ACCEPTABLE: 'F',
    PROCESS_FAIL: 'F',
    USER_KYC_NOT_QUALIFIED: 'F',
    UNAVAILABLE_PAYMENT_METHOD: 'F',
    USER_PAYMENT_VERIFICATION_FAILED: 'F',
    MERCHANT_NOT_REGISTERED: 'F',
    ACCESS_DENIED: 'F',
    ORDER_NOT_EXIST: 'F',
    PAYMENT_IN_PROCESS: 'U',
    CANCEL_WINDOW_EXCEEDED: 'F',
    REFUND_AMOUNT_EXCEED: 'F',
    REFUND_WINDOW_EXCEED: 'F',
    ORDER_STATUS_INVALID: 'F',
  };

  for (const [code, status] of Object.entries(named)) {
    it(`${code}: ${status}, answered on HTTP 200`, () => {
      expect(isResultCode(code)).toBe(true);
      const known = code as ResultCode;
      expect(RESULT_CODES[known].status).toBe(status);
      expect(httpStatusOf(known)).toBe(200);
      expect(result(known).resultStatus).toBe(status);
    });
  }

  it('spells the refund window code the Alipay family way', () => {
    expect(isResultCode('REFUND_WINDOW_EXCEEDED')).toBe(false);
  });

  it('lets every API answer the generic codes', () => {
    for (const api of API_NAMES) {
      for (const code of [
        'METHOD_NOT_SUPPORTED',
        'INVALID_API',
        'MEDIA_TYPE_NOT_ACCEPTABLE',
        'PROCESS_FAIL',
      ] as const) {
        expect(RESULT_CODES[code].apis, `${api} ${code}`).toContain(api);
      }
    }
  });
});

describe('API table', () => {
  it('has a path and a timeout for every API', () => {
    expect(API_PATHS.pay).toBe('/aps/api/v1/payments/pay');
    expect(API_PATHS.notifyPayment).toBe('/aps/api/v1/payments/notifyPayment');
    expect(API_PATHS.sdkProxy).toBe('/aps/api/v1/mobile/sdkProxy');
    for (const api of API_NAMES) {
      expect(API_PATHS[api]).toMatch(/^\/aps\/api\/v1\/(payments|mobile)\/[a-zA-Z]+$/);
      expect(API_PATHS[api].endsWith(`/${api}`)).toBe(true);
      expect(API_TIMEOUTS_MS[api]).toBeGreaterThan(0);
    }
    expect(new Set(Object.values(API_PATHS)).size).toBe(API_NAMES.length);
  });

  it('uses the documented timeouts', () => {
    expect(API_TIMEOUTS_MS).toEqual({
      pay: 8_000,
      inquiryPayment: 5_000,
      cancelPayment: 8_000,
      refund: 8_000,
      adjustRefund: 8_000,
      notifyPayment: 5_000,
      sdkProxy: 12_000,
    });
    expect(SDK_PROXY_UPSTREAM_EXPIRY_MS).toBeLessThan(API_TIMEOUTS_MS.sdkProxy);
  });
});
