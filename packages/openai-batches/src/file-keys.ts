import { keyPrefix } from '@nightshift/core';

/** A file's record (a hash): its public fields, owner, chunk count and expiry. */
export const fileKey = (id: string) => `${keyPrefix}:oai-file:${id}`;
/** One chunk of a file's bytes. */
export const chunkKey = (id: string, index: number) => `${keyPrefix}:oai-file:${id}:${index}`;
/** The keys of a file's first `chunks` chunks. */
export const chunkKeys = (id: string, chunks: number) =>
  Array.from({ length: chunks }, (_, index) => chunkKey(id, index));
/** Which schedules keep a file from expiring (a set of holder ids). */
export const fileHoldersKey = (id: string) => `${keyPrefix}:oai-file-holders:${id}`;
/** A tenant's file ids (a sorted set, by id), for listing. */
export const tenantFilesKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:oai-files`;
/**
 * A tenant's storage ledger (a hash): `bytes` and `files` in use, and the size of each stored
 * file (`f:<id>`) and of each upload in progress (`u:<id>`).
 */
export const storageLedgerKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:oai-storage`;
/** When each ledger entry ends (a sorted set by epoch ms; `+inf` while a schedule keeps it). */
export const storageEndsKey = (tenant: string) => `${keyPrefix}:tenant:${tenant}:oai-storage:ends`;
/** The ledger entry of a stored file. */
export const storedMember = (id: string) => `f:${id}`;
/** The ledger entry of an upload in progress. */
export const uploadMember = (id: string) => `u:${id}`;
