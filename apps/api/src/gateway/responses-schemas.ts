/**
 * What `/openai/v1/responses` checks of a body before any upstream is chosen. The Responses API here is stateless: what needs a stored response (or background
 * work, or a stored prompt) is refused by name; the items of `input` are checked as they are
 * translated (`responsesChatBody` in packages/gateway), which names the item at fault.
 */
import { z } from 'zod';

const notStored =
  'responses are not stored on this server (it is stateless, as with store: false); send the whole conversation as input items instead.';

/** A field the body must leave out (or null), with why. */
const absent = (why: string) =>
  z
    .unknown()
    .refine((value) => value === undefined || value === null, { message: why })
    .optional();

const functionTool = z.looseObject({
  type: z.literal('function', {
    error: 'only tools of type function are supported here (no built-in or hosted tools).',
  }),
  name: z.string().min(1),
  parameters: z.record(z.string(), z.unknown()).nullish(),
});

const textFormat = z.looseObject({
  type: z.enum(['text', 'json_object', 'json_schema']),
});

/** `POST /openai/v1/responses`. */
export const openAiResponsesBody = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.looseObject({})).min(1)]),
  instructions: z.string().nullish(),
  tools: z.array(functionTool).nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
    ])
    .nullish(),
  max_output_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  store: z.boolean().nullish(),
  text: z.looseObject({ format: textFormat.nullish() }).nullish(),
  previous_response_id: absent(notStored),
  conversation: absent(notStored),
  prompt: absent('stored prompts are not supported here; send the instructions and input.'),
  background: z
    .boolean()
    .refine((value) => !value, { message: 'background responses are not supported here.' })
    .nullish(),
});
