import type { HotJobData, SummaryResponse } from '@nightshift/core';
import { isDocumentError } from '@nightshift/documents';
import type { WorkMeter } from '@nightshift/metrics';
import { type Job, UnrecoverableError } from 'bullmq';
import type { DocumentSummarizer } from './document-summarizer.ts';

/**
 * Processes one interactive summary. Document errors are final (`document:<code>: …`, which the
 * API turns into a 422); model errors fail the job so the waiting request gets a 503.
 */
export function createHotProcessor(
  summarizer: DocumentSummarizer,
  meter?: Pick<WorkMeter, 'documentFinished'>,
) {
  return async (job: Job<HotJobData>): Promise<SummaryResponse> => {
    const started = performance.now();
    try {
      const result = await summarizer.summarize({
        content: job.data.content,
        model: job.data.model,
        summary: job.data.summary,
        account: { tenant: job.data.tenant, lane: 'hot' },
      });
      await meter?.documentFinished({
        lane: 'hot',
        tenant: job.data.tenant,
        model: result.model,
        outcome: 'succeeded',
        durationMs: performance.now() - started,
        usage: result.usage,
      });
      return {
        summary: result.summary,
        model: result.model,
        degraded: result.degraded,
        usage: result.usage,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (error) {
      if (isDocumentError(error)) {
        throw new UnrecoverableError(`document:${error.code}: ${error.message}`);
      }
      throw new UnrecoverableError((error as Error).message);
    }
  };
}
