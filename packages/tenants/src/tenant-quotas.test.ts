import { createRedis } from '@nightshift/redis';
import { useRedis } from '@nightshift/testkit/redis-for-tests';
import { describe, expect, it } from 'vitest';
import { TenantQuotaStore } from './tenant-quotas.ts';

const db = useRedis((url) => createRedis(url, 'client'));

describe('TenantQuotaStore', () => {
  it('keeps per-tenant overrides and forgets them when emptied', async () => {
    const quotas = new TenantQuotaStore({ redis: db.redis });
    expect(await quotas.get('acme')).toEqual({});
    await quotas.set('acme', { maxQueuedDocuments: 5, maxBatchBytes: 1024 });
    expect(await quotas.get('acme')).toEqual({ maxQueuedDocuments: 5, maxBatchBytes: 1024 });
    expect(await quotas.list()).toEqual({ acme: { maxQueuedDocuments: 5, maxBatchBytes: 1024 } });
    await quotas.set('acme', {});
    expect(await quotas.get('acme')).toEqual({});
  });

  it('refuses values that are not positive integers', async () => {
    const quotas = new TenantQuotaStore({ redis: db.redis });
    await expect(quotas.set('acme', { maxQueuedDocuments: 0 })).rejects.toThrow(RangeError);
    await expect(quotas.set('acme', { maxBatchBytes: 1.5 })).rejects.toThrow(/maxBatchBytes/);
  });
});
