import type { DescMethod } from "@bufbuild/protobuf";
import { EntityService } from "../../../gen/ts/engram/v1/entity_service_pb.js";
import { MemoryService } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { SearchService } from "../../../gen/ts/engram/v1/search_service_pb.js";

/**
 * The calls a read replica answers: memories, their history and as-of reads, searches, stats,
 * exports, search evaluations and the graph. Everything else (writes, keys, webhooks, staged writes, erasure
 * receipts, WatchMemories' feed) reads the primary.
 */
const REPLICA_READS: ReadonlySet<DescMethod> = new Set([
  MemoryService.method.getMemory,
  MemoryService.method.listMemories,
  MemoryService.method.listMemoryRevisions,
  MemoryService.method.searchMemories,
  MemoryService.method.getMemoryStats,
  MemoryService.method.exportMemories,
  SearchService.method.evaluateSearch,
  EntityService.method.listEntities,
  EntityService.method.getEntity,
  EntityService.method.getEntityGraph,
  EntityService.method.findEntityPaths,
]);

export function readsFromReplica(method: DescMethod): boolean {
  return REPLICA_READS.has(method);
}
