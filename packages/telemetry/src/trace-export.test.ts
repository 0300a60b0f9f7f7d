import { type ConfigError, loadConfig } from '@nightshift/core';
import { describe, expect, it } from 'vitest';
import { traceExport } from './trace-export.ts';

const exportFor = (env: Record<string, string>) => traceExport(loadConfig(env));

describe('traceExport (the OTEL_* variables)', () => {
  it('is off when nothing is set', () => {
    expect(exportFor({})).toEqual({ kind: 'off' });
  });

  it('sends to <endpoint>/v1/traces when the base endpoint is set', () => {
    expect(
      exportFor({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%3Dcret, tenant=ops',
      }),
    ).toEqual({
      kind: 'otlp',
      url: 'http://collector:4318/v1/traces',
      headers: { 'api-key': 's=cret', tenant: 'ops' },
    });
  });

  it('uses the traces endpoint and headers as given, over the base ones', () => {
    expect(
      exportFor({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/ingest',
        OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=2',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=3',
      }),
    ).toEqual({
      kind: 'otlp',
      url: 'https://traces.example.com/ingest',
      headers: { a: '1', b: '3' },
    });
  });

  it('follows OTEL_TRACES_EXPORTER: otlp to the default collector, console, none', () => {
    expect(exportFor({ OTEL_TRACES_EXPORTER: 'otlp' })).toMatchObject({
      kind: 'otlp',
      url: 'http://localhost:4318/v1/traces',
    });
    expect(exportFor({ OTEL_TRACES_EXPORTER: 'console' })).toEqual({ kind: 'console' });
    expect(
      exportFor({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toEqual({ kind: 'off' });
  });

  it('is off with OTEL_SDK_DISABLED=true whatever else is set', () => {
    expect(
      exportFor({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toEqual({ kind: 'off' });
  });

  it('refuses bad values naming the variable', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        return (error as ConfigError).problems.map((p) => p.variable);
      }
      return [];
    };
    expect(problems({ OTEL_TRACES_EXPORTER: 'jaeger' })).toEqual(['OTEL_TRACES_EXPORTER']);
    expect(problems({ OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' })).toEqual([
      'OTEL_EXPORTER_OTLP_HEADERS',
    ]);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ]);
    expect(problems({ OTEL_SDK_DISABLED: 'maybe' })).toEqual(['OTEL_SDK_DISABLED']);
  });
});
