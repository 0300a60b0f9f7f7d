import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from './config.ts';
import { deprecationsIn } from './deprecated-variables.ts';
import { tuningVariables } from './tuning-config.ts';

describe('internal tuning', () => {
  it('keeps the public configuration at 60 variables at most, none of them tuning', () => {
    expect(configVariables.length).toBeLessThanOrEqual(60);
    expect(configVariables.filter((name) => tuningVariables.includes(name))).toEqual([]);
  });

  it('still reads a tuning variable an operator set, with a deprecation line naming its default', () => {
    expect(loadConfig({}).NIGHTSHIFT_JOB_LOCK_MS).toBe(30_000);
    const env = { NIGHTSHIFT_JOB_LOCK_MS: '5000', NIGHTSHIFT_MODEL: 'm' };
    expect(loadConfig(env).NIGHTSHIFT_JOB_LOCK_MS).toBe(5000);
    expect(deprecationsIn(env)).toEqual([
      { variable: 'NIGHTSHIFT_JOB_LOCK_MS', replacement: 'its built-in default (30_000)' },
    ]);
  });

  it('names a deprecation for every tuning variable', () => {
    const env = Object.fromEntries(tuningVariables.map((name) => [name, '1']));
    expect(
      deprecationsIn(env)
        .map((d) => d.variable)
        .sort(),
    ).toEqual([...tuningVariables].sort());
  });
});
