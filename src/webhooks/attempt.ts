import type { DeliveryMessage } from "./delivery-body.js";
import { post, type Attempt } from "./sender.js";
import { secretKey, signedHeaders } from "./signature.js";
import type { UrlVerdict } from "./url-policy.js";

/**
 * One attempt at delivering `message` to a webhook whose URL was judged `verdict`: signed with
 * its secret and sent to the address checked, or refused without a connection when the URL (or
 * the stored secret) cannot be used.
 */
export async function attempt(
  verdict: UrlVerdict,
  secret: string,
  message: DeliveryMessage,
  now: Date,
  timeoutMs: number,
): Promise<Attempt> {
  const key = secretKey(secret);
  if ("refused" in verdict || key === null) {
    const error = "refused" in verdict ? verdict.refused : "the stored secret is not a whsec_ key";
    return { statusCode: 0, outcome: "refused", error, durationMs: 0 };
  }
  const headers = { ...signedHeaders(key, message.messageId, now, message.body) };
  return post(verdict.url, verdict.addresses[0] ?? "", headers, message.body, timeoutMs);
}
