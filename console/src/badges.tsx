import { EmbeddingStatus, MemoryState } from "../../gen/ts/engram/v1/memory_pb.js";

const STATES: Record<MemoryState, string> = {
  [MemoryState.UNSPECIFIED]: "unknown",
  [MemoryState.ACTIVE]: "active",
  [MemoryState.EXPIRED]: "expired",
  [MemoryState.DELETED]: "deleted",
};

const EMBEDDINGS: Record<EmbeddingStatus, string> = {
  [EmbeddingStatus.UNSPECIFIED]: "unknown",
  [EmbeddingStatus.ATTACHED]: "embedded",
  [EmbeddingStatus.PENDING]: "pending",
  [EmbeddingStatus.FAILED]: "failed",
};

export function StateBadge({ state }: { state: MemoryState }) {
  const name = STATES[state];
  return <span class={`badge state-${name}`}>{name}</span>;
}

export function EmbeddingBadge({ status }: { status: EmbeddingStatus }) {
  const name = EMBEDDINGS[status];
  return <span class={`badge embedding-${name}`}>{name}</span>;
}
