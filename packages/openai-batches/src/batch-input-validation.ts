import { nestsDeeperThan, tooDeepMessage } from '@nightshift/gateway';
import { jsonlLines } from './jsonl-lines.ts';
import { embeddingInputBudget, lineLimitProblem } from './line-limits.ts';

/** The endpoints a batch line may call, as OpenAI names them. */
export const batchEndpoints = [
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
] as const;
export type BatchEndpoint = (typeof batchEndpoints)[number];

/** One failure of an input file, as OpenAI's batch `errors.data` lists it. */
export interface BatchInputError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

/** A valid line: its `custom_id` and where its bytes sit in the input file. */
export interface BatchRequestLine {
  customId: string;
  line: number;
  offset: number;
  length: number;
}

/** What validating an input file found: its requests, or why it cannot run. */
export interface BatchInputCheck {
  requests: BatchRequestLine[];
  /** The one model every line asks for (null when no line named one). */
  model: string | null;
  errors: BatchInputError[];
}

/** Options of {@link validateBatchInput}. */
export interface BatchInputLimits {
  endpoint: BatchEndpoint;
  /** Requests one batch may hold; the line past it is an error. */
  maxLines: number;
  /** Errors kept before the check stops listing them (the file is failed either way). */
  maxErrors?: number;
  /**
   * A further check of a line's body that passed the shape checks (the media URL policy):
   * the problem it finds fails the line. Lines are checked one after another, in file order.
   */
  checkBody?: (body: Record<string, unknown>) => Promise<BatchLineProblem | null>;
}

/** What is wrong with one line: the error's code, its message (the line number is added), its field. */
export interface BatchLineProblem {
  code: string;
  message: string;
  param: string;
}

/**
 * Validates a batch input file as it streams, line by line: each line must be a JSON object
 * with a unique non-empty `custom_id`, `method: "POST"`, the batch's `url`, and a `body` naming
 * a `model`, the same model on every line. Blank lines are skipped. Every error names its line.
 *
 * @example
 * const check = await validateBatchInput(files.content(fileId), { endpoint: '/v1/embeddings', maxLines: 50_000 });
 * if (check.errors.length) fail(check.errors);
 */
export async function validateBatchInput(
  source: AsyncIterable<Uint8Array>,
  limits: BatchInputLimits,
): Promise<BatchInputCheck> {
  const maxErrors = limits.maxErrors ?? 100;
  const requests: BatchRequestLine[] = [];
  const errors: BatchInputError[] = [];
  const seen = new Set<string>();
  let model: string | null = null;
  let counted = 0;
  const embeddingInputs = embeddingInputBudget(limits.endpoint);
  const fail = (line: number, code: string, message: string, param: string | null = null) => {
    if (errors.length < maxErrors) errors.push({ code, message, param, line });
  };
  for await (const { line, offset, length, bytes } of jsonlLines(source)) {
    if (bytes === null) {
      fail(line, 'line_too_long', `Line ${line} is too long to be one request.`);
      continue;
    }
    const text = bytes.toString('utf8');
    if (text.trim() === '') continue;
    counted++;
    if (counted > limits.maxLines) {
      fail(line, 'too_many_requests', `A batch holds at most ${limits.maxLines} requests.`);
      break;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      fail(line, 'invalid_json_line', `Line ${line} is not valid JSON.`);
      continue;
    }
    // Before anything walks the line: serializing it for the model server would overflow the
    // stack, and the worker would blame the upstream for it.
    if (nestsDeeperThan(parsed)) {
      fail(line, 'too_deeply_nested', `Line ${line}: ${tooDeepMessage}.`);
      continue;
    }
    const problem = lineProblem(parsed, limits.endpoint);
    if (problem) {
      fail(line, problem.code, `Line ${line}: ${problem.message}`, problem.param);
      continue;
    }
    const request = parsed as { custom_id: string; body: { model: string } };
    if (seen.has(request.custom_id)) {
      fail(
        line,
        'duplicate_custom_id',
        `Line ${line}: the custom_id '${request.custom_id}' is used on an earlier line.`,
        'custom_id',
      );
      continue;
    }
    seen.add(request.custom_id);
    model ??= request.body.model;
    if (request.body.model !== model) {
      fail(
        line,
        'mismatched_model',
        `Line ${line}: every line of a batch must use one model ('${model}'), not '${request.body.model}'.`,
        'body.model',
      );
      continue;
    }
    const bodyProblem = await limits.checkBody?.(request.body);
    if (bodyProblem) {
      fail(line, bodyProblem.code, `Line ${line}: ${bodyProblem.message}`, bodyProblem.param);
      continue;
    }
    const overBudget = embeddingInputs.add(request.body);
    if (overBudget) {
      fail(line, overBudget.code, `Line ${line}: ${overBudget.message}`, overBudget.param);
      break;
    }
    requests.push({ customId: request.custom_id, line, offset, length });
  }
  if (requests.length === 0 && errors.length === 0)
    errors.push({
      code: 'empty_file',
      message: 'The input file has no requests.',
      param: null,
      line: null,
    });
  return { requests, model, errors };
}

function lineProblem(
  parsed: unknown,
  endpoint: BatchEndpoint,
): { code: string; message: string; param: string } | null {
  if (!isObject(parsed))
    return { code: 'invalid_request', message: 'a line must be a JSON object.', param: 'line' };
  const { custom_id: customId, method, url, body } = parsed;
  if (typeof customId !== 'string' || customId.length === 0 || customId.length > 512)
    return {
      code: 'missing_required_parameter',
      message: 'custom_id must be a string of 1 to 512 characters.',
      param: 'custom_id',
    };
  if (method !== 'POST')
    return { code: 'invalid_method', message: 'method must be "POST".', param: 'method' };
  if (url !== endpoint)
    return {
      code: 'invalid_url',
      message: `url must be the batch's endpoint, '${endpoint}'.`,
      param: 'url',
    };
  if (!isObject(body) || typeof body.model !== 'string' || body.model.length === 0)
    return {
      code: 'missing_required_parameter',
      message: 'body must be an object with a model.',
      param: 'body.model',
    };
  if (body.stream === true)
    return {
      code: 'invalid_request',
      message: 'a batch line cannot stream.',
      param: 'body.stream',
    };
  return lineLimitProblem(endpoint, body);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
