import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureDevSecrets, firstKey } from './dev-secrets.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nightshift-secrets-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('ensureDevSecrets', () => {
  it('generates once, keeps the same secrets on the next start, in a private file', async () => {
    const first = await ensureDevSecrets({ dataDir, env: {} });
    expect(first.apiKeysSource).toBe('generated');
    expect(firstKey(first.apiKeys)?.tenant).toBe('dev');
    expect(first.webhookSecret).toMatch(/^whsec_/);
    // Without a token /metrics refuses everyone; the local stack gets one of its own.
    expect(first.metricsToken).toMatch(/^nsm_dev_.{32}$/);
    expect((await stat(first.file)).mode & 0o777).toBe(0o600);

    const second = await ensureDevSecrets({ dataDir, env: {} });
    expect(second).toMatchObject({
      apiKeys: first.apiKeys,
      apiKeysSource: 'kept',
      webhookSecret: first.webhookSecret,
      webhookSecretSource: 'kept',
      metricsToken: first.metricsToken,
      metricsTokenSource: 'kept',
    });
  });

  it('lets the environment win and generates only what is missing', async () => {
    const secrets = await ensureDevSecrets({
      dataDir,
      env: { NIGHTSHIFT_API_KEYS: 'acme:k1,beta:k2' },
    });
    expect(secrets).toMatchObject({ apiKeys: 'acme:k1,beta:k2', apiKeysSource: 'environment' });
    expect(secrets.webhookSecretSource).toBe('generated');
    expect(firstKey(secrets.apiKeys)).toEqual({ tenant: 'acme', key: 'k1' });
  });

  it('tightens a kept file that an older start or a user left readable to 0600', async () => {
    const file = join(dataDir, 'dev.env');
    await writeFile(file, 'NIGHTSHIFT_API_KEYS=dev:nsk_old\nNIGHTSHIFT_WEBHOOK_SECRET=whsec_old\n');
    await chmod(file, 0o644);
    const secrets = await ensureDevSecrets({ dataDir, env: {} });
    expect(secrets).toMatchObject({ apiKeysSource: 'kept', webhookSecretSource: 'kept' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
