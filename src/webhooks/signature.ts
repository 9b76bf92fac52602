import { createHmac, randomBytes } from "node:crypto";

/** Standard Webhooks' secret form: "whsec_" and the key in base64. */
const SECRET_PREFIX = "whsec_";

/** A new secret: 32 random bytes, as Standard Webhooks writes them. */
export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
}

/** The key a secret holds, or null when it is not a whsec_ secret of 24 to 64 bytes. */
export function secretKey(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null;
  const key = Buffer.from(encoded, "base64");
  return key.length >= 24 && key.length <= 64 ? key : null;
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
}

/**
 * The three headers of a delivery, as the Standard Webhooks specification signs it: an HMAC-SHA256
 * of `<id>.<timestamp>.<body>` under the secret's key, in base64, as `v1,<signature>`. The id is
 * the message's (the same on every retry), the timestamp the attempt's, in seconds.
 */
export function signedHeaders(key: Buffer, id: string, sentAt: Date, body: string): SignedHeaders {
  const timestamp = String(Math.floor(sentAt.getTime() / 1000));
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
}
