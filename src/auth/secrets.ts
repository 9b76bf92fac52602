import { createHash, randomBytes } from "node:crypto";

const PREFIX = "egm_";

/** A new bearer secret: 256 random bits, recognisable by its prefix in logs and leak scanners. */
export function newSecret(): string {
  return PREFIX + randomBytes(32).toString("base64url");
}

/**
 * Secrets are high-entropy random strings, so a fast unsalted hash is enough to make the
 * stored value useless to a reader of the database, and lets authentication look it up.
 */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}
