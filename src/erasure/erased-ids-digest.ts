import { createHash } from "node:crypto";

const MODULUS = 1n << 256n;

/**
 * A digest of a set of memory ids that does not depend on their order: the sum, modulo 2^256, of
 * the SHA-256 of each id's text. An erasure adds its batches' ids as it goes, holding nothing but
 * the sum, however many it erases; anyone with the list of ids can compute the same digest.
 */
export class ErasedIdsDigest {
  constructor(private sum = 0n) {}

  add(ids: readonly string[]): void {
    for (const id of ids)
      this.sum = (this.sum + BigInt(`0x${createHash("sha256").update(id).digest("hex")}`)) % MODULUS;
  }

  /** This digest with more ids, leaving this one as it is. */
  with(ids: readonly string[]): ErasedIdsDigest {
    const next = new ErasedIdsDigest(this.sum);
    next.add(ids);
    return next;
  }

  /** 64 hex digits. */
  hex(): string {
    return this.sum.toString(16).padStart(64, "0");
  }
}
