export { apiKeyPrefix, generateApiKey, hashApiKey, tenantNamePattern } from './api-key-material.ts';
export {
  type ApiKeyInfo,
  ApiKeyStore,
  type ApiKeyStoreOptions,
  type CreatedApiKey,
  InvalidApiKeyInput,
} from './api-key-store.ts';
export {
  type TenantQuota,
  TenantQuotaStore,
  type TenantQuotaStoreOptions,
} from './tenant-quotas.ts';
