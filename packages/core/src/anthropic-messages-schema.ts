/**
 * What the gateway accepts of an Anthropic Messages body (`POST /anthropic/v1/messages`,
 * `count_tokens`, and each request of an Anthropic message batch): the fields it reads or
 * translates, with their types and ranges. Every other field passes through to an upstream
 * that speaks Anthropic natively, as written.
 */
import { z } from 'zod';

const base64Shape = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A string, or a value `schema` checks. Unlike `z.union`, a value that is no string reports
 * `schema`'s own issues (the block at fault and why), not a bare "Invalid input".
 */
const stringOr = <T extends z.ZodType>(schema: T) =>
  z.unknown().transform((value, ctx): string | z.output<T> => {
    if (typeof value === 'string') return value;
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });

/** Block types a message may hold; others (documents, server tools' blocks) are refused. */
export const anthropicBlockTypes = [
  'text',
  'image',
  'tool_use',
  'tool_result',
  'thinking',
  'redacted_thinking',
] as const;

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

// The gateway fetches no media and lets no model server fetch any for a caller: the image
// travels in the body.
const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.looseObject({
    type: z.literal('base64', {
      error: 'only base64 image sources are accepted (the gateway fetches no url or file source)',
    }),
    media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
    data: z
      .string()
      .min(1)
      .refine((d) => d.length % 4 === 0 && base64Shape.test(d), {
        message: 'an image must be base64 data',
      }),
  }),
});

const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: stringOr(z.array(z.union([textBlock, imageBlock]))).optional(),
  is_error: z.boolean().optional(),
});

const thinkingBlock = z.looseObject({ type: z.enum(['thinking', 'redacted_thinking']) });

const contentBlock = z
  .looseObject({
    type: z.enum(anthropicBlockTypes, {
      error: `a content block's type is one of ${anthropicBlockTypes.join(', ')}`,
    }),
  })
  .pipe(
    z.discriminatedUnion('type', [
      textBlock,
      imageBlock,
      toolUseBlock,
      toolResultBlock,
      thinkingBlock,
    ]),
  );

const message = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: stringOr(z.array(contentBlock)),
});

const tool = z.looseObject({
  // Server tools (web search, code execution, …) name a versioned `type`; the GPUs here run
  // none of them.
  type: z
    .literal('custom', {
      error:
        'only client tools (name, description, input_schema) are supported; server tools are not',
    })
    .nullish(),
  name: z.string().min(1).max(128),
  description: z.string().optional(),
  input_schema: z.looseObject({ type: z.literal('object') }),
});

const toolChoice = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.looseObject({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.looseObject({ type: z.literal('none') }),
]);

/** The fields a Messages body and a `count_tokens` body share. */
const promptShape = {
  model: z.string().min(1),
  messages: z.array(message).min(1),
  system: stringOr(z.array(textBlock)).optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
};

/** `POST /anthropic/v1/messages`. */
export const anthropicMessagesBodySchema = z.looseObject({
  ...promptShape,
  max_tokens: z.number().int().min(1),
  stream: z.boolean().optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
});

/** `POST /anthropic/v1/messages/count_tokens`. */
export const anthropicCountTokensBodySchema = z.looseObject(promptShape);
