import { keylessIdentity } from "../identity.js";
import type { MemoryDraft } from "../record.js";

/**
 * What a write locks, and what concurrent writers of the same memory serialise on: a keyed
 * write its natural key (the upsert's row), a keyless one its owner, subject, kind and
 * normalised content (an advisory lock), so "Foo" and "foo " are one identity.
 */
export function lockIdentity(workspaceId: string, draft: MemoryDraft): string {
  if (draft.key === null) return keylessIdentity(workspaceId, draft);
  // JSON, not a separator: no character a client may send can make two identities equal.
  return JSON.stringify([workspaceId, draft.agentId, draft.subjectType, draft.subjectId, draft.kind, "key", draft.key]);
}

/**
 * The order a batch takes its locks in: by identity, so that two batches holding some of the
 * same identities never wait for each other in opposite orders (a deadlock). Writes of one
 * identity keep their request order (the sort is stable), so the last one still wins.
 */
export function inLockOrder<T extends { draft: MemoryDraft }>(workspaceId: string, items: readonly T[]): T[] {
  const keyed = items.map((item) => ({ item, identity: lockIdentity(workspaceId, item.draft) }));
  keyed.sort((a, b) => (a.identity < b.identity ? -1 : a.identity > b.identity ? 1 : 0));
  return keyed.map(({ item }) => item);
}
