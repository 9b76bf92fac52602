import { create } from "@bufbuild/protobuf";
import {
  GetMemoryStatsResponseSchema,
  type GetMemoryStatsResponse,
} from "../../../gen/ts/engram/v1/memory_service_pb.js";
import type { Embeddings } from "../../embedding/embeddings.js";
import type { Reranker } from "../../rerank/reranker.js";
import { totals, type MemoryStatsRepository, type NamedCount } from "./stats.repository.js";

/** GetMemoryStats: the kinds and agents it names, and the days its creation counts cover. */
const STATS_TOP = 50;
const STATS_DAYS = 30;

/** A workspace's GetMemoryStats answer: its counts by state, the busiest kinds and agents, creations per day, the embedder and reranker. */
export async function statsReport(
  stats: MemoryStatsRepository,
  embeddings: Embeddings,
  reranker: Reranker | null,
  workspaceId: string,
  now: Date,
): Promise<GetMemoryStatsResponse> {
  const sums = totals(await stats.counts(now, workspaceId));
  const named = (counts: NamedCount[]) => counts.map(({ name, count }) => ({ name, count: BigInt(count) }));
  const kinds = named(await stats.activeBy({ workspaceId, by: "kind", now, limit: STATS_TOP }));
  const agents = named(await stats.activeBy({ workspaceId, by: "agent", now, limit: STATS_TOP }));
  const days = await stats.createdByDay({ workspaceId, days: STATS_DAYS, now });
  return create(GetMemoryStatsResponseSchema, {
    workspaceId,
    active: BigInt(sums.active),
    deleted: BigInt(sums.deleted),
    expired: BigInt(sums.expired),
    superseded: BigInt(sums.superseded),
    embeddingBacklog: BigInt(sums.embeddingBacklog),
    embeddingFailed: BigInt(sums.embeddingFailed),
    embeddingModel: embeddings.model ?? "",
    embedderConfigured: embeddings.configured,
    rerankModel: reranker?.loaded === true ? reranker.id : "",
    kinds,
    agents,
    createdByDay: days.map(({ day, count }) => ({ day, count: BigInt(count) })),
  });
}
