import { createHash } from "node:crypto";
import { normaliseContent, type MemoryDraft } from "./record.js";

/** The stored hash of a memory's normalised content: keyless writes merge by it, vectors are reused by it. */
export function fingerprintOf(content: string): string {
  return createHash("sha256").update(normaliseContent(content)).digest("hex");
}

/** What a keyless write is merged by, and its writers serialise on: owner, subject, kind and normalised content. */
export function keylessIdentity(
  workspaceId: string,
  d: Pick<MemoryDraft, "agentId" | "subjectType" | "subjectId" | "kind" | "content">,
): string {
  // JSON, not a separator: no character a client may send can make two identities equal.
  return JSON.stringify([workspaceId, d.agentId, d.subjectType, d.subjectId, d.kind, fingerprintOf(d.content)]);
}
