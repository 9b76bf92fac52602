import { EmbeddingStatus, MemoryChange, MemoryState } from "../../gen/ts/engram/v1/memory_pb.js";
import { StagedWriteState } from "../../gen/ts/engram/v1/staged_write_service_pb.js";

const STATES: Record<MemoryState, string> = {
  [MemoryState.UNSPECIFIED]: "unknown",
  [MemoryState.ACTIVE]: "active",
  [MemoryState.EXPIRED]: "expired",
  [MemoryState.DELETED]: "deleted",
  [MemoryState.SUPERSEDED]: "superseded",
};

const EMBEDDINGS: Record<EmbeddingStatus, string> = {
  [EmbeddingStatus.UNSPECIFIED]: "unknown",
  [EmbeddingStatus.ATTACHED]: "embedded",
  [EmbeddingStatus.PENDING]: "pending",
  [EmbeddingStatus.FAILED]: "failed",
};

const STAGED: Record<StagedWriteState, string> = {
  [StagedWriteState.UNSPECIFIED]: "unknown",
  [StagedWriteState.PENDING]: "pending",
  [StagedWriteState.APPLIED]: "applied",
  [StagedWriteState.DISCARDED]: "discarded",
  [StagedWriteState.EXPIRED]: "expired",
};

const CHANGES: Record<MemoryChange, string> = {
  [MemoryChange.UNSPECIFIED]: "changed",
  [MemoryChange.CREATED]: "created",
  [MemoryChange.UPDATED]: "updated",
  [MemoryChange.UPSERTED]: "upserted",
  [MemoryChange.REVIVED]: "revived",
  [MemoryChange.MERGED]: "merged",
  [MemoryChange.DELETED]: "deleted",
  [MemoryChange.UNDELETED]: "undeleted",
  [MemoryChange.SUPERSEDED]: "superseded",
  [MemoryChange.UNSUPERSEDED]: "unsuperseded",
  [MemoryChange.EXPIRED]: "expired",
  [MemoryChange.IMPORTED]: "imported",
  [MemoryChange.ERASED]: "erased",
};

export function StateBadge({ state }: { state: MemoryState }) {
  const name = STATES[state];
  return <span class={`badge state-${name}`}>{name}</span>;
}

export function EmbeddingBadge({ status }: { status: EmbeddingStatus }) {
  const name = EMBEDDINGS[status];
  return <span class={`badge embedding-${name}`}>{name}</span>;
}

export function StagedStateBadge({ state }: { state: StagedWriteState }) {
  const name = STAGED[state];
  return <span class={`badge staged-${name}`}>{name}</span>;
}

/** What one change did to a memory; a value newer than this console shows as "changed". */
export function ChangeBadge({ change }: { change: MemoryChange }) {
  const name = CHANGES[change] ?? CHANGES[MemoryChange.UNSPECIFIED];
  return <span class={`badge change-${name}`}>{name}</span>;
}
