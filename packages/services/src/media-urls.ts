import type { Config } from '@nightshift/core';
import { MediaUrlPolicy } from '@nightshift/gateway';
import { checkWebhookUrl } from '@nightshift/webhooks';

/**
 * The media URL policy of `NIGHTSHIFT_MEDIA_URLS`, on the webhook address policy: http(s), no
 * credentials, every address the host resolves to public. It keeps its own switch rather than
 * `NIGHTSHIFT_WEBHOOK_ALLOW_PRIVATE`: letting webhooks reach an intranet receiver must not
 * also let tenants aim the model server at that intranet (or at the cloud metadata service).
 *
 * @example
 * const policy = mediaUrlPolicy(config);
 * const refusal = await policy.checker()(body);
 */
export function mediaUrlPolicy(config: Pick<Config, 'NIGHTSHIFT_MEDIA_URLS'>): MediaUrlPolicy {
  return new MediaUrlPolicy({
    mode: config.NIGHTSHIFT_MEDIA_URLS,
    checkUrl: (url) => checkWebhookUrl(url, { allowPrivate: false }),
  });
}
