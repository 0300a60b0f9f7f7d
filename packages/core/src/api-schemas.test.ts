import { describe, expect, it } from 'vitest';
import { createBatchBody, createSummaryBody } from './api-schemas.ts';

describe('createBatchBody', () => {
  it('accepts texts and base64 PDFs with options', () => {
    const body = createBatchBody.parse({
      documents: [{ id: 'a-1', text: 'hello' }, { pdf: 'JVBERi0xLjQK' }],
      summary: { maxWords: 50, style: 'bullets' },
      webhook: { url: 'https://example.com/hook' },
      completionWindow: '24h',
      metadata: { team: 'search' },
    });
    expect(body.documents).toHaveLength(2);
    expect(body.webhook?.events).toEqual([]);
  });

  it.each([
    [{ documents: [] }, 'documents'],
    [{ documents: [{ text: 'a', pdf: 'JVBE' }] }, 'documents'],
    [{ documents: [{}] }, 'documents'],
    [{ documents: [{ text: 'a' }], completionWindow: '8d' }, 'completionWindow'],
    [{ documents: [{ text: 'a' }], webhook: { url: 'not a url' } }, 'webhook'],
    [{ documents: [{ text: 'a' }], summary: { maxWords: 3 } }, 'summary'],
    [{ documents: [{ text: 'a' }], surprise: true }, ''],
    [{ documents: [{ id: 'bad id!', text: 'a' }] }, 'documents'],
  ])('rejects %j at %s', (input, field) => {
    const result = createBatchBody.safeParse(input);
    expect(result.success).toBe(false);
    expect(String(result.error?.issues[0]?.path[0] ?? '')).toBe(field);
  });
});

describe('createSummaryBody', () => {
  it('needs exactly one of text or pdf', () => {
    expect(createSummaryBody.safeParse({ text: 'x' }).success).toBe(true);
    expect(createSummaryBody.safeParse({}).success).toBe(false);
    expect(createSummaryBody.safeParse({ text: 'x', pdf: 'JVBE' }).success).toBe(false);
  });
});
