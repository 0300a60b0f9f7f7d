/**
 * Short-to-medium English documents of real-looking prose on distinct topics, for tests that
 * need believable input (summaries, chunking, extraction round trips). Plain ASCII on purpose:
 * the PDF generator uses a standard font whose encoding (WinAnsi) covers ASCII only reliably.
 */

/** Names of the documents in {@link sampleTexts}. */
export type SampleTextName =
  | 'gpuIncident'
  | 'meetingNotes'
  | 'productDescription'
  | 'customerEmail'
  | 'researchAbstract';

/**
 * Sample documents, 5 to 40 sentences each, every one on its own topic.
 *
 * @example
 * ```ts
 * import { sampleTexts } from '@nightshift/testkit/sample-documents';
 * await api.post('/v1/summaries', { text: sampleTexts.gpuIncident });
 * ```
 */
export const sampleTexts: Readonly<Record<SampleTextName, string>> = Object.freeze({
  gpuIncident: [
    'Incident report: CUDA out-of-memory on the summarization node, Tuesday night.',
    '',
    'At 23:41 UTC the nightly batch of quarterly filings started on gpu-node-3, a single 24 GB card serving a 32B model.',
    'The model weights occupied about 18.6 GB, leaving a little over 5 GB for the key-value cache of concurrent sessions.',
    'Each long session needed between 1.2 and 1.8 GB of cache, so at most two or three sessions could run side by side.',
    'The scheduler admitted a fourth long document at 23:52 because it counted slots rather than free memory.',
    'Within seconds the inference server logged a CUDA out-of-memory error and dropped all four sessions.',
    'The batch runner retried the failed documents immediately, which reproduced the same failure three more times.',
    'Interactive users saw errors on the hot path as well, since both lanes shared the same loaded model.',
    'The on-call engineer paused the batch queue at 00:07 and the interactive error rate returned to zero.',
    '',
    'Root cause: admission was based on a fixed concurrency of four instead of the memory actually free on the card.',
    'A contributing factor was the retry policy, which had no backoff and no awareness of the error type.',
    'A second contributing factor was that the batch lane did not yield to interactive traffic.',
    '',
    'Remediation: the worker now reads free memory from nvidia-smi before taking a cold job and holds work above 95 percent.',
    'Cold jobs are handed back to the queue without counting an attempt when memory is short.',
    'The hot lane is always served first, and cold work only runs inside the off-peak window.',
    'Retries after an out-of-memory error now wait at least thirty seconds.',
    'Daytime GPU load fell from 98 percent to 72 percent in the week after the change.',
    'No data was lost; every failed document was summarized on the following night.',
  ].join('\n'),

  meetingNotes: [
    'Weekly platform sync, notes by Priya.',
    '',
    'Attendees were Priya, Marcus, Elena and Tom; Jun sent apologies.',
    'Marcus reported that the webhook retry schedule is merged and the dead-letter view shipped on Monday.',
    'Elena asked whether receivers that answer 410 should be disabled automatically, and the group agreed they should.',
    'Tom presented the load test: the queue held ten thousand pending documents with flat memory use in Redis.',
    'The group discussed moving the cold window to start at 21:00 for the Singapore tenants.',
    'Nobody objected, but Priya wants the time zone to be configurable per schedule before we change the default.',
    'Jun had asked in writing for a dashboard that shows VRAM headroom next to queue depth.',
    'Marcus will sketch it with the existing Prometheus metrics and share a screenshot by Thursday.',
    'Action items: Elena writes the 410 handling, Tom files the load test results, Priya drafts the time zone proposal.',
    'The next sync is moved to Wednesday because of the public holiday.',
  ].join('\n'),

  productDescription: [
    'Nightshift turns the hours your GPUs sit idle into finished document summaries.',
    'You send batches of reports, contracts or transcripts, as text or PDF, through a small HTTP API.',
    'The batches wait in a cold lane until your off-peak window opens and the card has memory to spare.',
    'Interactive requests keep their own hot lane, so a single urgent summary never waits behind a night of batch work.',
    'When a batch finishes, Nightshift calls your webhook with a signed message, and retries patiently if you are down.',
    'Results stream back as one line per document, with token usage and the model that produced each summary.',
    'If the main model is unavailable, a smaller fallback model steps in, and the response says so.',
    'Everything runs on your own hardware with Redis as the only state, and each component scales out on its own.',
    'Night batches can also fire from cron schedules, exactly once, no matter how many schedulers you run.',
  ].join(' '),

  customerEmail: [
    'Hi team,',
    '',
    'We uploaded a batch of 340 scanned invoices last night and about a third of them came back with an error saying the PDF had no extractable text.',
    'I understand that scanned pages are images, but the error message could say that more plainly.',
    'Could you also tell us whether there is a way to resubmit only the failed documents instead of the whole batch?',
    'The document IDs of the failed files are listed in the attached spreadsheet.',
    'Our finance team needs the summaries by Friday, so any workaround would help.',
    '',
    'Thanks,',
    'Dana Whitfield, Accounts Payable',
  ].join('\n'),

  researchAbstract: [
    'Abstract.',
    'Large language models are increasingly used to summarize long documents, yet inference hardware is often provisioned for peak interactive demand and sits idle at night.',
    'We study a scheduler that defers batch summarization to off-peak windows and admits work only while accelerator memory is free.',
    'The scheduler treats memory, not a fixed slot count, as the admission signal, because the key-value cache of each session grows with document length.',
    'On a trace of 42,000 documents from a legal archive, deferral reduced peak daytime utilization by 26 percentage points.',
    'Out-of-memory failures fell from 3.1 percent of jobs to zero, at the cost of a median completion delay of nine hours.',
    'Map-reduce summarization over chunks sized to the context window kept summary quality within two points of a single-pass baseline.',
    'We release the scheduler and the trace to support further work on cost-aware inference.',
  ].join(' '),
});
