import type OpenAI from 'openai';
import type { GatewayCall } from './gateway.ts';
import { openAiChatCall } from './openai-surface.ts';
import { chatPromptText, type ResponsesBody, responsesChatBody } from './responses-request.ts';
import type { UpstreamClients } from './upstream-clients.ts';

type Chat = OpenAI.Chat.Completions.ChatCompletion | OpenAI.Chat.Completions.ChatCompletionChunk;

/**
 * `POST /openai/v1/responses` as a gateway call: the body as a chat completions call
 * (`responsesChatBody`), on whichever upstream serves the model, with the output ask and the
 * context check named in the caller's terms (`max_output_tokens`). The answer's pieces are chat
 * pieces; `responseFromChat` / `responsesEvents` turn them into the Responses dialect. Throws a
 * 400 `GatewayError` for what a chat body cannot carry, before any upstream is chosen.
 *
 * @example
 * const answer = await gateway.open(openAiResponsesCall(clients, body, { tenant, signal }));
 */
export function openAiResponsesCall(
  clients: UpstreamClients,
  body: ResponsesBody,
  context: { tenant: string; signal: AbortSignal },
): GatewayCall<Chat> {
  const chat = responsesChatBody(body);
  return {
    ...openAiChatCall(clients, chat, context),
    operation: 'openai.responses',
    promptText: chatPromptText(chat),
    outputAsk:
      typeof body.max_output_tokens === 'number'
        ? { tokens: body.max_output_tokens, param: 'max_output_tokens' }
        : undefined,
  };
}
