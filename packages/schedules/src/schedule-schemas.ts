import { batchOptions, documentInput, openAiFileIdPattern } from '@nightshift/core';
import { batchEndpoints } from '@nightshift/openai-batches';
import { z } from 'zod';
import { cronProblem, timeZoneProblem } from './cron-validation.ts';

/** A cron expression node-cron can run: 5 fields, or 6 with seconds first. */
export const cronExpression = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((cron, ctx) => {
    const problem = cronProblem(cron);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** An IANA time zone name. */
export const timeZone = z
  .string()
  .min(1)
  .max(64)
  .superRefine((zone, ctx) => {
    const problem = timeZoneProblem(zone);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Documents kept with the schedule; every fire submits them again. */
export const inlineSource = z
  .object({
    kind: z.literal('inline'),
    documents: z.array(documentInput).min(1).max(1000),
  })
  .strict();

/**
 * Files (PDF or text) in a folder that must lie inside the tenant's own sub-folder
 * `<inbox>/<tenant>/` of one of `NIGHTSHIFT_INBOX_DIRS`. Each file is taken once; a file whose
 * size, mtime or content changed counts as new.
 */
export const directorySource = z
  .object({
    kind: z.literal('directory'),
    /** Absolute path, or relative to the first inbox folder. */
    path: z.string().min(1).max(1024),
    /** Also take files in sub-folders. Default false. */
    recursive: z.boolean().default(false),
  })
  .strict();

/**
 * A stored OpenAI batch input file (`POST /openai/v1/files`): every fire creates an
 * OpenAI-compatible batch from it, validated as `POST /openai/v1/batches` does. The file is
 * kept (no expiry) while the schedule uses it.
 */
export const openAiFileSource = z
  .object({
    kind: z.literal('openai_file'),
    fileId: z.string().regex(openAiFileIdPattern, 'not a file id (file-…)'),
    endpoint: z.enum(batchEndpoints),
  })
  .strict();

export const scheduleSource = z.discriminatedUnion('kind', [
  inlineSource,
  directorySource,
  openAiFileSource,
]);
export type ScheduleSource = z.infer<typeof scheduleSource>;

/** What a fire missed while every scheduler was down does: nothing, or one late fire. */
export const catchUpPolicy = z.enum(['none', 'once']);
export type CatchUpPolicy = z.infer<typeof catchUpPolicy>;

/** JSON body of `POST /v1/schedules`. `timezone` defaults to `NIGHTSHIFT_TZ`. */
export const createScheduleBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    cron: cronExpression,
    timezone: timeZone.optional(),
    source: scheduleSource,
    /** Options of each batch the schedule creates (model, summary, webhook, ...). */
    batch: batchOptions.default({}),
    enabled: z.boolean().default(true),
    catchUp: catchUpPolicy.default('none'),
  })
  .strict();
export type CreateScheduleBody = z.input<typeof createScheduleBody>;

/** JSON body of `PATCH /v1/schedules/:id`: any field of the create body; `batch` is replaced whole. */
export const updateScheduleBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    cron: cronExpression,
    timezone: timeZone,
    source: scheduleSource,
    batch: batchOptions,
    enabled: z.boolean(),
    catchUp: catchUpPolicy,
  })
  .partial()
  .strict();
export type UpdateScheduleBody = z.input<typeof updateScheduleBody>;

/** A stored schedule as the API shows it (the owning tenant is kept beside it, not in it). */
export interface Schedule {
  id: string;
  object: 'schedule';
  name: string;
  cron: string;
  timezone: string;
  source: ScheduleSource;
  batch: z.output<typeof batchOptions>;
  enabled: boolean;
  catchUp: CatchUpPolicy;
  createdAt: string;
  updatedAt: string;
  /** Since when fires count for catch-up: creation, or the last change of cron, zone or enabled. */
  armedAt: string;
}

/** One fire of a schedule, as `GET /v1/schedules/:id/runs` lists it. */
export interface ScheduleRun {
  object: 'schedule_run';
  scheduleId: string;
  /** The cron slot this run belongs to (ISO 8601, UTC). */
  fireTime: string;
  /** When the scheduler handled it. */
  firedAt: string;
  /**
   * `submitted`: a batch was created; `empty`: the source had nothing new; `failed`: the fire
   * could not create a batch (see `errors`); `missed`: fires passed while no scheduler ran and
   * `catchUp` is `none`; `skipped_quota`: the batch would have taken the tenant past its
   * unfinished-documents quota, so none was created (a directory's files wait for the next fire).
   */
  status: 'submitted' | 'empty' | 'failed' | 'missed' | 'skipped_quota';
  /** The batch this fire created, or null. */
  batchId: string | null;
  /** Documents in the batch (including those recorded failed at once). */
  documents: number;
  /** Per-document problems (unreadable file, path escape, ...) and fire-level errors. */
  errors: { documentId?: string; code: string; message: string }[];
  /** True for a late fire made by `catchUp: once`. */
  catchUp: boolean;
  /** For `missed`: how many fires were missed (at least). */
  missedCount?: number;
}

/**
 * {@link Schedule} as a schema, for documenting and checking the API's answers. `satisfies`
 * keeps it in step with the interface at compile time.
 */
export const scheduleObject = z.strictObject({
  id: z.string().startsWith('sched_'),
  object: z.literal('schedule'),
  name: z.string(),
  cron: z.string(),
  timezone: z.string(),
  source: z.discriminatedUnion('kind', [
    inlineSource,
    directorySource.extend({ recursive: z.boolean() }),
    openAiFileSource,
  ]),
  batch: batchOptions,
  enabled: z.boolean(),
  catchUp: catchUpPolicy,
  createdAt: z.string(),
  updatedAt: z.string(),
  armedAt: z.string().describe('Since when fires count for catch-up.'),
}) satisfies z.ZodType<Schedule>;

/** {@link ScheduleRun} as a schema, for documenting and checking the API's answers. */
export const scheduleRun = z.strictObject({
  object: z.literal('schedule_run'),
  scheduleId: z.string(),
  fireTime: z.string().describe('The cron slot this run belongs to (ISO 8601, UTC).'),
  firedAt: z.string(),
  status: z.enum(['submitted', 'empty', 'failed', 'missed', 'skipped_quota']),
  batchId: z.string().nullable(),
  documents: z.number().int(),
  errors: z.array(
    z.object({ documentId: z.string().optional(), code: z.string(), message: z.string() }),
  ),
  catchUp: z.boolean(),
  missedCount: z.number().int().optional(),
}) satisfies z.ZodType<ScheduleRun>;
