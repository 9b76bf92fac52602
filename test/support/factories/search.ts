import type { MessageInitShape } from "@bufbuild/protobuf";
import type { MemoryFilterSchema } from "../../../gen/ts/engram/v1/memory_pb.js";
import type {
  SearchMemoriesRequestSchema,
  SearchMemoriesResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { ACTIVE_MEMORIES, type FilterQuery } from "../../../src/memory/filters.js";
import type { MemoryClient } from "./memory.js";

export type Filter = MessageInitShape<typeof MemoryFilterSchema>;
export type SearchRequest = MessageInitShape<typeof SearchMemoriesRequestSchema>;

/** Every response of a search stream, in the order they arrived. */
export async function searchAll(client: MemoryClient, req: SearchRequest): Promise<SearchMemoriesResponse[]> {
  const out: SearchMemoriesResponse[] = [];
  for await (const res of client.searchMemories(req)) out.push(res);
  return out;
}

/** The ids a search returns, best first. */
export async function searchIds(client: MemoryClient, query: string, filter: Filter = {}): Promise<string[]> {
  return (await searchAll(client, { query, filter })).map((hit) => hit.memory!.id);
}

/** A repository-level filter that keeps every active memory (for tests that call a repository directly). */
export const NO_FILTER: FilterQuery = ACTIVE_MEMORIES;
