import type { WriteEmbedding } from "../embedding/embeddings.js";
import type { Change } from "./change.js";
import type { MemoryDraft, MemoryRecord } from "./record.js";

/** The named options of MemoryRepository's and SupersessionRepository's writes. */

export type UpsertOutcome = "created" | "updated" | "revived" | "unchanged";

/** A write's time, and who made it and why (the revision's change). */
export interface WriteStamp {
  now: Date;
  change: Change;
}

/** A memory's fields rewritten: the draft, and its vector (or why it has none yet). */
export interface Rewrite extends WriteStamp {
  draft: MemoryDraft;
  embedded: WriteEmbedding;
}

/** A keyed write: the id the memory takes if the key holds none. */
export interface KeyedWrite extends Rewrite {
  workspaceId: string;
  id: string;
}

/** A stored memory rewritten. */
export interface Replacement extends Rewrite {
  target: MemoryRecord;
}

/** A memory deleted (`deleteTime` set) or undeleted (null). */
export interface Deletion extends WriteStamp {
  target: MemoryRecord;
  deleteTime: Date | null;
}

/** A memory to insert: its id, its fields, its vector (or why it has none yet), and who writes it. */
export interface NewMemory {
  id: string;
  draft: MemoryDraft;
  embedded: WriteEmbedding;
  change: Change;
}

/** New memories of one workspace, inserted at one time. */
export interface InsertedDrafts {
  workspaceId: string;
  items: NewMemory[];
  now: Date;
}

/** Keyless drafts of one workspace, looked up among the memories active at `now`. */
export interface KeylessDrafts {
  workspaceId: string;
  drafts: MemoryDraft[];
  now: Date;
}
