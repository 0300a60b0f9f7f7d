import {
  type BatchSubmitter,
  type SubmittedDocument,
  type UnfinishedLimit,
  UnfinishedQuotaError,
} from '@nightshift/batches';
import { inspectDocument, isDocumentError } from '@nightshift/documents';
import { InputFileError, type OpenAiBatches } from '@nightshift/openai-batches';
import type { Redis } from 'ioredis';
import { collectDirectory } from './directory-source.ts';
import { fireTimesBetween } from './fire-times.ts';
import { resolveInboxFolder } from './inbox-path.ts';
import { fireKey, type RedisRunCoordinator } from './run-coordinator.ts';
import type { Schedule, ScheduleRun } from './schedule-schemas.ts';
import type { ScheduleStore } from './schedule-store.ts';

/** Per-tenant overrides of the quotas (`TenantQuotaStore` fits); a field left out: the default. */
export interface TenantQuotaReader {
  get(tenant: string): Promise<{ maxQueuedDocuments?: number; maxBatchBytes?: number }>;
}

/** The quotas every fire passes, as `POST /v1/batches` does. */
export interface FireQuotas {
  /** Per-tenant overrides; absent: the defaults apply to every tenant. */
  overrides?: TenantQuotaReader;
  /** `NIGHTSHIFT_MAX_QUEUED_PER_TENANT`: unfinished documents per tenant. */
  maxQueuedPerTenant: number;
  /** `NIGHTSHIFT_MAX_BATCH_BYTES`: bytes of files one directory fire takes. */
  maxBatchBytes: number;
}

/** Options of {@link ScheduleFirer}. */
export interface ScheduleFirerOptions {
  store: ScheduleStore;
  /** Creates the batches (only `submit` is used). */
  submitter: Pick<BatchSubmitter, 'submit'>;
  /** Client connection (directory claims). */
  redis: Redis;
  coordinator: RedisRunCoordinator;
  /** `NIGHTSHIFT_INBOX_DIRS`: the only folders directory sources may read. */
  inboxDirs: string[];
  /** Model of batches whose schedule names none (`NIGHTSHIFT_MODEL`). */
  defaultModel: string;
  /** Per-document size limit (`NIGHTSHIFT_MAX_DOCUMENT_BYTES`). */
  maxDocumentBytes: number;
  /** Most documents per batch (`NIGHTSHIFT_MAX_DOCUMENTS`). */
  maxDocuments: number;
  /**
   * The tenant's unfinished-documents quota, checked and counted atomically as each fire's
   * batch is written (a refused fire is recorded `skipped_quota`), and the batch byte limit.
   */
  quotas: FireQuotas;
  /** Creates the batches of `openai_file` sources; without it such a fire is recorded failed. */
  openAiBatches?: Pick<OpenAiBatches, 'create'>;
  /** File reader of directory sources (default `fs.readFile`). */
  readFile?: (path: string) => Promise<Buffer>;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
}

type Collected = { documents: SubmittedDocument[]; release(): Promise<void> };

/** A source that cannot be read at all: the fire is recorded failed, with this code. */
class SourceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Turns one fire of a schedule into a batch and a run-log entry. It does not decide who fires:
 * node-cron asks the run coordinator first; {@link claimAndFire} and {@link catchUp} claim the
 * same per-slot keys themselves.
 *
 * @example
 * const quotas = { overrides: tenantQuotas, maxQueuedPerTenant, maxBatchBytes };
 * const firer = new ScheduleFirer({ store, submitter, redis, coordinator, inboxDirs, defaultModel, maxDocumentBytes, maxDocuments, quotas });
 * cron.createTask(s.cron, (ctx) => firer.fire(s.id, ctx.date), { name: s.id, distributed: true, runCoordinator: coordinator });
 */
export class ScheduleFirer {
  readonly #o: ScheduleFirerOptions;
  readonly #now: () => Date;

  constructor(options: ScheduleFirerOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Fires a slot this caller already owns: reads the schedule as it is now (edits apply to the
   * next fire, a deleted or disabled schedule fires nothing), collects its source, submits a
   * batch unless the source is empty, and records the run. Returns the run, or null.
   */
  async fire(
    scheduleId: string,
    slot: Date,
    { catchUp = false } = {},
  ): Promise<ScheduleRun | null> {
    const stored = await this.#o.store.get(scheduleId);
    if (!stored?.schedule.enabled) return null;
    const schedule = stored.schedule;
    const run: ScheduleRun = {
      object: 'schedule_run',
      scheduleId,
      fireTime: slot.toISOString(),
      firedAt: this.#now().toISOString(),
      status: 'empty',
      batchId: null,
      documents: 0,
      errors: [],
      catchUp,
    };
    if (schedule.source.kind === 'openai_file')
      return this.#fireOpenAiFile(stored.tenant, schedule, run);
    let collected: Collected | null = null;
    try {
      const overrides = (await this.#o.quotas.overrides?.get(stored.tenant)) ?? {};
      collected = await this.#collect(
        schedule,
        stored.tenant,
        overrides.maxBatchBytes ?? this.#o.quotas.maxBatchBytes,
      );
      run.errors = collected.documents.flatMap((d) =>
        'error' in d ? [{ documentId: d.id, ...d.error }] : [],
      );
      if (collected.documents.length > 0) {
        const batch = await this.#o.submitter.submit({
          tenant: stored.tenant,
          documents: collected.documents,
          model: schedule.batch.model ?? this.#o.defaultModel,
          summary: schedule.batch.summary ?? {},
          metadata: schedule.batch.metadata ?? {},
          webhook: schedule.batch.webhook
            ? { url: schedule.batch.webhook.url, events: schedule.batch.webhook.events }
            : null,
          completionWindow: schedule.batch.completionWindow ?? '24h',
          scheduleId,
          unfinishedLimit: {
            max: overrides.maxQueuedDocuments ?? this.#o.quotas.maxQueuedPerTenant,
            adding: collected.documents.filter((d) => 'content' in d).length,
          } satisfies UnfinishedLimit,
        });
        run.status = 'submitted';
        run.batchId = batch.id;
        run.documents = collected.documents.length;
      }
    } catch (error) {
      // Nothing was queued: a directory's files go back, to be taken by a later fire.
      await collected?.release();
      if (error instanceof UnfinishedQuotaError) {
        run.status = 'skipped_quota';
        run.errors = [{ code: 'queued_quota_exceeded', message: quotaMessage(error) }];
        await this.#o.store.recordRun(run);
        return run;
      }
      run.status = 'failed';
      run.errors = [
        {
          code: error instanceof SourceError ? error.code : 'fire_failed',
          message: (error as Error).message,
        },
      ];
    }
    await this.#o.store.recordRun(run);
    return run;
  }

  /**
   * A fire of an `openai_file` source: an OpenAI-compatible batch from the stored file, with the
   * schedule's window, metadata and webhook. A file that fails its check gives a `failed` run
   * (its errors name the lines) that still names the failed batch.
   */
  async #fireOpenAiFile(tenant: string, schedule: Schedule, run: ScheduleRun) {
    const source = schedule.source as Extract<Schedule['source'], { kind: 'openai_file' }>;
    try {
      if (!this.#o.openAiBatches) throw new Error('This scheduler has no OpenAI batches.');
      const overrides = (await this.#o.quotas.overrides?.get(tenant)) ?? {};
      const batch = await this.#o.openAiBatches.create(tenant, {
        inputFileId: source.fileId,
        endpoint: source.endpoint,
        completionWindow: schedule.batch.completionWindow ?? '24h',
        metadata: schedule.batch.metadata ?? null,
        webhookUrl: schedule.batch.webhook?.url ?? null,
        scheduleId: schedule.id,
        maxUnfinished: overrides.maxQueuedDocuments ?? this.#o.quotas.maxQueuedPerTenant,
      });
      run.batchId = batch.id;
      run.documents = batch.request_counts.total;
      run.status = batch.status === 'failed' ? 'failed' : 'submitted';
      run.errors = (batch.errors?.data ?? []).map((e) => ({
        code: e.code,
        message: e.message,
      }));
    } catch (error) {
      if (error instanceof UnfinishedQuotaError) {
        run.status = 'skipped_quota';
        run.errors = [{ code: 'queued_quota_exceeded', message: quotaMessage(error) }];
      } else {
        run.status = 'failed';
        run.errors = [
          {
            code: error instanceof InputFileError ? error.code : 'fire_failed',
            message: (error as Error).message,
          },
        ];
      }
    }
    await this.#o.store.recordRun(run);
    return run;
  }

  /** Claims a slot through the coordinator, then fires it (a slot node-cron reported missed). */
  async claimAndFire(scheduleId: string, slot: Date): Promise<ScheduleRun | null> {
    if (!(await this.#o.coordinator.shouldRun(fireKey(scheduleId, slot), 0))) return null;
    return this.fire(scheduleId, slot);
  }

  /**
   * Looks for fires that passed with nobody to run them: since the later of the last fire and
   * the moment the schedule was armed. With `catchUp: once` the latest of them fires now
   * (marked `catchUp`); with `none` a single `missed` run records how many passed. Claims the
   * latest slot first, so any number of replicas starting together act once, and a slot a live
   * replica is firing right now is left to it.
   */
  async catchUp(scheduleId: string): Promise<ScheduleRun | null> {
    const stored = await this.#o.store.get(scheduleId);
    if (!stored?.schedule.enabled) return null;
    const schedule = stored.schedule;
    const now = this.#now();
    const last = await this.#o.store.lastFireAt(scheduleId);
    const armed = new Date(schedule.armedAt);
    const since = last && last.getTime() > armed.getTime() ? last : armed;
    const missed = fireTimesBetween(schedule.cron, schedule.timezone, since, now, 10_000);
    if (!missed.latest) return null;
    if (!(await this.#o.coordinator.shouldRun(fireKey(scheduleId, missed.latest), 0))) return null;
    if (schedule.catchUp === 'once') return this.fire(scheduleId, missed.latest, { catchUp: true });
    const run: ScheduleRun = {
      object: 'schedule_run',
      scheduleId,
      fireTime: missed.latest.toISOString(),
      firedAt: now.toISOString(),
      status: 'missed',
      batchId: null,
      documents: 0,
      errors: [],
      catchUp: false,
      missedCount: missed.count,
    };
    await this.#o.store.recordRun(run);
    return run;
  }

  async #collect(schedule: Schedule, tenant: string, maxBatchBytes: number): Promise<Collected> {
    const source = schedule.source;
    if (source.kind === 'openai_file')
      throw new Error('an openai_file source fires a batch itself');
    if (source.kind === 'inline') {
      return {
        documents: source.documents.map((d, i) => this.#inline(d, i)),
        release: async () => {},
      };
    }
    // Checked again at every fire: a symlink swapped since creation must not lead out.
    const folder = await resolveInboxFolder(source.path, this.#o.inboxDirs, tenant);
    if (!folder.ok) throw new SourceError('source_refused', `source.path: ${folder.message}`);
    return collectDirectory({
      redis: this.#o.redis,
      scheduleId: schedule.id,
      folder: folder.realPath,
      recursive: source.recursive,
      maxDocumentBytes: this.#o.maxDocumentBytes,
      maxDocuments: this.#o.maxDocuments,
      maxBatchBytes,
      ...(this.#o.readFile ? { readFile: this.#o.readFile } : {}),
    });
  }

  #inline(
    document: { id?: string; text?: string; pdf?: string },
    index: number,
  ): SubmittedDocument {
    const id = document.id ?? `doc_${index + 1}`;
    try {
      const inspected = inspectDocument(
        document.text !== undefined
          ? { text: document.text }
          : { kind: 'pdf', bytes: Buffer.from(document.pdf ?? '', 'base64') },
        { maxDocumentBytes: this.#o.maxDocumentBytes },
      );
      return inspected.kind === 'text'
        ? { id, content: { kind: 'text', text: inspected.text } }
        : { id, content: { kind: 'pdf', base64: Buffer.from(inspected.bytes).toString('base64') } };
    } catch (error) {
      if (!isDocumentError(error)) throw error;
      return { id, error: { code: error.code, message: error.message } };
    }
  }
}

function quotaMessage(error: UnfinishedQuotaError): string {
  const { tenant, unfinished, limit } = error;
  return `Tenant '${tenant}' has ${unfinished} documents unfinished; this fire's ${limit.adding} would pass its quota of ${limit.max}. No batch was created.`;
}
