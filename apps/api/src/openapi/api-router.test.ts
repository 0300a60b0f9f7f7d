import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUnderTest } from '../../test-support/api-under-test.ts';

// The routes moved onto OpenAPIHono without changing an answer. These are the places where the
// framework's own validators would have: repeated query keys (arrays to the framework), the
// order of "whose is it" before "is the query valid", bodies the routes read whatever their
// declared type, and the framework's own 400/415 wording.

let api: Awaited<ReturnType<typeof apiUnderTest>>;
beforeAll(async () => {
  api = await apiUnderTest();
});
afterAll(async () => {
  await api.close();
});

const problemOf = async (response: Response) => {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as {
    type: string;
    detail: string;
    errors?: { field: string; message: string }[];
  };
};

describe('query validation through the defaultHook', () => {
  it('answers a bad query with a 422 problem naming each field', async () => {
    const response = await api.app.request('/v1/batches?limit=abc&after=nope', {
      headers: api.auth(),
    });
    expect(response.status).toBe(422);
    const problem = await problemOf(response);
    expect(problem.type).toBe('/problems/validation-error');
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['after', 'limit']);
  });

  it('takes the first value of a repeated query key, as c.req.query() did', async () => {
    for (let i = 0; i < 3; i++) await api.postJson('/v1/batches', { documents: [{ text: 'x' }] });
    const response = await api.app.request('/v1/batches?limit=2&limit=oops', {
      headers: api.auth(),
    });
    expect(response.status).toBe(200);
    const page = (await response.json()) as { data: unknown[]; hasMore: boolean };
    expect(page.data).toHaveLength(2);
    expect(page.hasMore).toBe(true);
    const bad = await api.app.request('/v1/batches?limit=oops&limit=2', { headers: api.auth() });
    expect(bad.status).toBe(422);
  });

  it("answers 404 for another tenant's schedule runs before looking at the query", async () => {
    const created = await api.postJson(
      '/v1/schedules',
      {
        name: 'theirs',
        cron: '0 1 * * *',
        source: { kind: 'inline', documents: [{ text: 'x' }] },
      },
      'globex-key',
    );
    const { id } = (await created.json()) as { id: string };
    const foreign = await api.app.request(`/v1/schedules/${id}/runs?limit=0`, {
      headers: api.auth(),
    });
    expect(foreign.status).toBe(404);
    expect((await problemOf(foreign)).type).toBe('/problems/schedule-not-found');
    const own = await api.app.request(`/v1/schedules/${id}/runs?limit=0`, {
      headers: api.auth('globex-key'),
    });
    expect(own.status).toBe(422);
  });
});

describe('bodies stay with their routes', () => {
  it('reads a summary body as JSON whatever its declared type (no framework 415)', async () => {
    const response = await api.app.request('/v1/summaries', {
      method: 'POST',
      headers: { ...api.auth(), 'content-type': 'text/plain' },
      body: JSON.stringify({ text: 'a', pdf: 'QQ==' }),
    });
    expect(response.status).toBe(422);
    expect((await problemOf(response)).detail).toContain('give exactly one of text or pdf');
  });

  it('answers malformed JSON with the routes’ own 400, never the framework’s wording', async () => {
    for (const path of ['/v1/batches', '/v1/summaries', '/v1/schedules', '/v1/deliveries/replay']) {
      const response = await api.postJson(path, '{"documents": [');
      expect(response.status, path).toBe(400);
      const problem = await problemOf(response);
      expect(problem.type, path).toBe('/problems/malformed-json');
      expect(problem.detail, path).toBe('The body is not valid JSON.');
    }
  });

  it('keeps each route’s own 415 wording', async () => {
    const send = (path: string) =>
      api.app.request(path, {
        method: 'POST',
        headers: { ...api.auth(), 'content-type': 'application/xml' },
        body: '<batch/>',
      });
    expect((await problemOf(await send('/v1/batches'))).detail).toBe(
      'Send application/json or multipart/form-data.',
    );
    expect((await problemOf(await send('/v1/schedules'))).detail).toBe(
      'Send the schedule as application/json.',
    );
  });

  it('rotates the webhook secret with no body and no content type', async () => {
    const response = await api.app.request('/v1/webhook-secret/rotate', {
      method: 'POST',
      headers: api.auth(),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { secret: string }).secret).toMatch(/^whsec_/);
  });
});
