import type { ApiName } from '../result-codes.ts';

// Valid sample bodies for every API, with every optional field filled in, for tests and as the examples of
// the MPP's OpenAPI document (`@tapkit/protocol/samples`; index.ts does not export this file).

const merchant = {
  referenceMerchantId: 'M-0001',
  merchantName: 'Tapkit Coffee',
  merchantMCC: '5814',
  merchantAddress: { region: 'HK', city: 'Hong Kong' },
};

const success = { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' };

export const REQUEST_SAMPLES: Record<ApiName, Record<string, unknown>> = {
  pay: {
    acquirerId: 'ACQ-1',
    pspId: 'PSP-1',
    paymentRequestId: 'PR-20261125-0001',
    paymentAmount: { currency: 'USD', value: '1000' },
    payToAmount: { currency: 'HKD', value: '7812' },
    paymentQuote: {
      quoteId: 'Q-1',
      quoteCurrencyPair: 'USD/HKD',
      quotePrice: '7.8123',
      quoteStartTime: '2026-11-25T12:00:00+08:00',
      quoteExpiryTime: '2026-11-25T12:10:00+08:00',
    },
    customerId: 'C-42',
    paymentMethod: {
      paymentMethodType: 'CONNECT_WALLET_NFC',
      paymentMethodId: 'DM4MMC0000000000000000000000000001',
    },
    order: {
      referenceOrderId: 'RO-1',
      orderDescription: 'Flat white',
      merchant,
      env: { storeTerminalId: 'T-7' },
    },
    paymentFactor: {
      isInStorePayment: 'true',
      inStorePaymentScenario: 'NFC',
      authorizationType: 'INCREMENTAL',
      originalPaymentRequestId: 'PR-20261125-0000',
    },
    nfcTransactionInfo: { networkTraceId: 'NT-1', atc: '001F', posEntryMode: '071', cvmPerformed: 'false' },
    customData: 'order-ref-123',
    paymentExpiryTime: '2026-11-25T12:03:00+08:00',
    paymentNotifyUrl: 'https://alipayplus.example/notify',
  },
  inquiryPayment: { acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: 'PR-1', paymentId: 'P-1' },
  cancelPayment: { acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: 'PR-1' },
  refund: {
    acquirerId: 'ACQ-1',
    pspId: 'PSP-1',
    paymentRequestId: 'PR-1',
    paymentId: 'P-1',
    refundRequestId: 'RR-1',
    refundAmount: { currency: 'USD', value: '500' },
    refundFromAmount: { currency: 'HKD', value: '3906' },
    refundReason: 'Partial reversal',
  },
  adjustRefund: {
    acquirerId: 'ACQ-1',
    pspId: 'PSP-1',
    refundRequestId: 'RR-2',
    customerId: 'C-42',
    refundAmount: { currency: 'HKD', value: '100' },
    subScenarioType: 'EXCEED_REFUND',
    paymentRequestId: 'PR-1',
    merchant,
    networkTraceId: 'NT-2',
  },
  notifyPayment: {
    paymentRequestId: 'PR-1',
    paymentId: 'P-1',
    paymentResult: success,
    paymentAmount: { currency: 'JPY', value: '100' },
    payToAmount: { currency: 'JPY', value: '100' },
    customerId: 'C-42',
    paymentTime: '2026-11-25T12:00:01+08:00',
  },
  sdkProxy: {
    customerId: 'C-42',
    sdkRequestType: 'REPLENISH_CREDENTIALS',
    sdkRequestHeader: '{"deviceId":"D-1"}',
    sdkRequestBody: '{"tokenUniqueReference":"DM4MMC1"}',
  },
};

export const RESPONSE_SAMPLES: Record<ApiName, Record<string, unknown>> = {
  pay: {
    result: success,
    paymentId: 'P-1',
    paymentTime: '2026-11-25T12:00:01+08:00',
    customerId: 'C-42',
    payToAmount: { currency: 'HKD', value: '7812' },
  },
  inquiryPayment: {
    result: success,
    paymentResult: success,
    paymentId: 'P-1',
    paymentTime: '2026-11-25T12:00:01+08:00',
    paymentAmount: { currency: 'KWD', value: '1234' },
    payToAmount: { currency: 'KWD', value: '1234' },
    customerId: 'C-42',
  },
  cancelPayment: { result: success, paymentId: 'P-1', cancelTime: '2026-11-25T12:05:00+08:00' },
  refund: {
    result: success,
    refundId: 'R-1',
    refundTime: '2026-11-25T13:00:00+08:00',
    refundFromAmount: { currency: 'HKD', value: '3906' },
  },
  adjustRefund: { result: success, refundId: 'R-2', refundTime: '2026-11-25T13:00:00+08:00' },
  notifyPayment: { result: success },
  sdkProxy: { result: success, sdkResponseBody: '{"credentials":[]}' },
};
