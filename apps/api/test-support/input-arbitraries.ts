import { documentEventType } from '@nightshift/core';
import fc from 'fast-check';

// fast-check arbitraries for the API's inputs, mirroring the zod contracts in
// packages/core/src/api-schemas.ts (createBatchBody, batchOptions, createSummaryBody,
// listBatchesQuery), plus hostile variants of each. Webhook URLs are IP literals only, so the
// submission-time SSRF check never resolves a name (tests make no outside lookups).

/** Any text a client could send: full unicode code points, lone surrogates included. */
export const anyText = (maxLength = 200) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ maxLength, unit: 'binary' }),
    fc.string({ maxLength, unit: 'grapheme' }),
  );

const nonEmptyText = fc
  .oneof(fc.string({ minLength: 1, maxLength: 400, unit: 'grapheme' }), fc.lorem({ maxCount: 40 }))
  .filter((s) => s.length > 0);

const documentIdArb = fc.stringMatching(/^[A-Za-z0-9_.:@/-]{1,128}$/);

/** Base64 of random bytes, sometimes behind a `%PDF-` header (a corrupt PDF, not a real one). */
const base64Bytes = fc
  .tuple(fc.boolean(), fc.uint8Array({ minLength: 1, maxLength: 600 }))
  .map(([pdfHeader, bytes]) =>
    Buffer.concat([Buffer.from(pdfHeader ? '%PDF-1.7\n' : ''), Buffer.from(bytes)]).toString(
      'base64',
    ),
  );

export const summaryOptionsArb = fc.record(
  {
    maxWords: fc.integer({ min: 10, max: 2000 }),
    style: fc.constantFrom('paragraph', 'bullets', 'headline'),
    language: fc.stringMatching(/^[A-Za-z-]{2,35}$/),
  },
  { requiredKeys: [] },
);

const completionWindowArb = fc.oneof(
  fc.integer({ min: 1, max: 7 * 1440 }).map((n) => `${n}m`),
  fc.integer({ min: 1, max: 168 }).map((n) => `${n}h`),
  fc.integer({ min: 1, max: 7 }).map((n) => `${n}d`),
);

/** Public (documentation-range and well-known) and private IP literals: no DNS needed. */
const webhookUrlArb = fc
  .tuple(
    fc.constantFrom('http', 'https'),
    fc.constantFrom('93.184.216.34', '1.1.1.1', '[2606:4700::1111]', '127.0.0.1', '10.0.0.5'),
    fc.stringMatching(/^[a-z0-9/_-]{0,40}$/),
  )
  .map(([scheme, host, path]) => `${scheme}://${host}/${path}`);

const metadataArb = fc.dictionary(fc.string({ maxLength: 64 }), fc.string({ maxLength: 512 }), {
  maxKeys: 16,
});

const modelArb = fc.oneof(
  fc.constantFrom('qwen3:32b', 'qwen2:7b', 'llama3.1:8b'),
  fc.string({ minLength: 1, maxLength: 200 }),
);

/** Everything of `batchOptions`, each key present or not. */
export const batchOptionsArb = fc.record(
  {
    model: modelArb,
    summary: summaryOptionsArb,
    webhook: fc.record(
      {
        url: webhookUrlArb,
        events: fc.subarray([...documentEventType.options], { maxLength: 2 }),
      },
      { requiredKeys: ['url'] },
    ),
    completionWindow: completionWindowArb,
    metadata: metadataArb,
  },
  { requiredKeys: [] },
);

const documentArb = fc.oneof(
  fc.record({ id: documentIdArb, text: nonEmptyText }, { requiredKeys: ['text'] }),
  fc.record({ id: documentIdArb, pdf: base64Bytes }, { requiredKeys: ['pdf'] }),
);

/** A schema-valid `POST /v1/batches` JSON body (document ids unique). */
export const validBatchBody = fc
  .tuple(batchOptionsArb, fc.array(documentArb, { minLength: 1, maxLength: 6 }))
  .map(([options, documents]) => ({
    ...options,
    // Ids made unique (a repeated id is a 422 by design, not what this arbitrary is about).
    documents: documents.map((d, i) =>
      d.id === undefined ? d : { ...d, id: `${d.id.slice(0, 120)}-${i}` },
    ),
  }));

/** A schema-valid `POST /v1/summaries` body. */
export const validSummaryBody = fc
  .tuple(
    fc.oneof(
      nonEmptyText.map((text) => ({ text })),
      base64Bytes.map((pdf) => ({ pdf })),
    ),
    fc.record({ model: modelArb, summary: summaryOptionsArb }, { requiredKeys: [] }),
  )
  .map(([content, rest]) => ({ ...content, ...rest }));

/** A value of the wrong kind for almost any field. */
const wrongValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(null),
  fc.constant(''),
  fc.double(),
  fc.constant([]),
  fc.constant({}),
  anyText(),
);

/** Raw bodies (strings) that attack the parser or the prototype chain. */
export const hostileRawJson = fc.oneof(
  // Prototype pollution through keys JSON.parse keeps as own properties.
  fc
    .tuple(
      fc.constantFrom('__proto__', 'constructor', 'prototype'),
      fc.constantFrom('', 'documents', 'summary', 'webhook', 'metadata'),
    )
    .map(([key, where]) => {
      const evil = `{"${key}":{"polluted":true,"isAdmin":true},"polluted":1}`;
      const doc = `{"text":"hello","${key}":{"polluted":true}}`;
      if (where === '') return `{${evil.slice(1, -1)},"documents":[${doc}]}`;
      if (where === 'documents') return `{"documents":[${doc}]}`;
      return `{"documents":[{"text":"x"}],"${where}":${evil}}`;
    }),
  // Deep nesting, as an array and as objects, at the top and inside a field.
  fc
    .tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean(), fc.boolean())
    .map(([depth, objects, inside]) => {
      const open = objects ? '{"a":'.repeat(depth) : '['.repeat(depth);
      const close = objects ? '}'.repeat(depth) : ']'.repeat(depth);
      const nested = `${open}1${close}`;
      return inside ? `{"documents":${nested},"metadata":${nested}}` : nested;
    }),
  // Not JSON at all, or truncated JSON.
  anyText(300),
  fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
  fc.constantFrom('', ' ', 'null', 'true', '0', '""', '[]', '{}', '{"documents":[]}', '\u0000'),
);

/** Bodies of the right shape with wrong types, extra keys, huge or odd strings mixed in. */
export const hostileBatchBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      documents: fc.oneof(
        wrongValue,
        fc.array(
          fc.oneof(
            wrongValue,
            fc.record(
              { id: fc.oneof(documentIdArb, wrongValue), text: wrongValue, pdf: wrongValue },
              { requiredKeys: [] },
            ),
          ),
          { maxLength: 5 },
        ),
      ),
      model: wrongValue,
      summary: fc.oneof(wrongValue, fc.record({ maxWords: wrongValue, style: wrongValue })),
      webhook: fc.oneof(wrongValue, fc.record({ url: wrongValue, events: wrongValue })),
      completionWindow: fc.oneof(
        wrongValue,
        fc.constantFrom('0m', '8d', '99999999999999999999d', '-1h'),
      ),
      metadata: wrongValue,
      extra: wrongValue,
    },
    { requiredKeys: [] },
  ),
  // A valid body with one huge string in it (may pass, be a per-document error, or a 413).
  fc
    .tuple(
      validBatchBody,
      fc.integer({ min: 100_000, max: 3_000_000 }),
      fc.constantFrom('text', 'id', 'model', 'meta'),
    )
    .map(([body, size, where]) => {
      const huge = 'é'.repeat(size / 2);
      if (where === 'text') return { ...body, documents: [{ text: huge }] };
      if (where === 'id') return { ...body, documents: [{ id: huge, text: 'x' }] };
      if (where === 'model') return { ...body, model: huge };
      return { ...body, metadata: { k: huge } };
    }),
  // Too many documents for the configured limit.
  fc.integer({ min: 51, max: 400 }).map((n) => ({
    documents: Array.from({ length: n }, (_, i) => ({ text: `doc ${i}` })),
  })),
);

/** Hostile `POST /v1/summaries` bodies. */
export const hostileSummaryBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      text: wrongValue,
      pdf: wrongValue,
      model: wrongValue,
      summary: wrongValue,
      extra: wrongValue,
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom({ text: 'a', pdf: 'AAAA' }, { text: '' }, { pdf: '!!!' }, {}),
);

/** A raw query string for `GET /v1/batches?…` (sometimes with broken percent-encoding). */
export const listQuery = fc.oneof(
  fc
    .record(
      {
        limit: fc.oneof(
          fc.integer({ min: -5, max: 200 }).map(String),
          fc.constantFrom('', '1e2', '0x10', 'NaN', 'Infinity', '20.5', ' 7', '١٠'),
          anyText(20),
        ),
        after: fc.oneof(
          fc.stringMatching(/^batch_[A-Za-z0-9]{0,30}$/),
          anyText(40),
          fc.constantFrom('batch_', 'batch_%00', '*', '\u0000'),
        ),
      },
      { requiredKeys: [] },
    )
    .map((q) => new URLSearchParams(q as Record<string, string>).toString()),
  fc.constantFrom('limit=%', 'limit=%E0%A4%A', 'after=%FF', 'limit=1&limit=2', '&&&=', 'limit'),
  fc.string({ maxLength: 60 }).map((s) => s.replace(/[#\s]/g, '')),
);

/** A path segment for `/v1/batches/:id`, percent-encoded as a client would send it. */
export const pathId = fc
  .oneof(
    fc.stringMatching(/^batch_[A-Za-z0-9]{1,30}$/),
    anyText(80).filter((s) => s.length > 0),
    fc.constantFrom('..', '.', '%', 'batch_%2F..', '__proto__', 'constructor', 'a'.repeat(5000)),
  )
  .map((id) => {
    try {
      return encodeURIComponent(id);
    } catch {
      return 'lone-surrogate';
    }
  });
