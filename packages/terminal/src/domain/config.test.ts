import { describe, expect, it } from 'vitest';
import { defaultTerminalConfig, validateTerminalConfig } from './config.ts';

describe('terminal configuration', () => {
  it('the default is valid', () => {
    expect(validateTerminalConfig(defaultTerminalConfig)).toEqual([]);
  });

  it('names every problem', () => {
    const problems = validateTerminalConfig({
      ...defaultTerminalConfig,
      terminalId: 'SHORT',
      currencyCode: '12',
      noCvmLimitMinor: -1n,
      supportedAids: [],
      reversalAttemptCountMax: 0,
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'terminalId',
      'currencyCode',
      'noCvmLimitMinor',
      'reversalAttemptCountMax',
      'supportedAids',
    ]);
  });
});
