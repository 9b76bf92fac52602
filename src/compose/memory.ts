import type { EntityManager } from "@mikro-orm/sql";
import { SearchServiceImpl } from "../evaluation/search-evaluation.service.js";
import type { Embeddings } from "../embedding/embeddings.js";
import type { ChangeFeed } from "../feed/change-feed.js";
import { MemoryHistory } from "../history/memory-history.js";
import { MemoryServiceImpl } from "../memory/memory.service.js";
import type { PageTokens } from "../memory/page-token.js";
import { memoryRepositoriesWith, type MemoryRepositories } from "../memory/repositories.js";
import { MemorySearch, type RerankEvent } from "../memory/search/search.js";
import { SearchSettingsService } from "../search-settings/search-settings.service.js";
import { SuccessorNames, type ReadableIds } from "../memory/successors.js";
import { MemoryTransfer } from "../memory/transfer/transfer.js";
import { MemoryEdits } from "../memory/write/edits.js";
import { KindClassifier } from "../memory/write/guard/kind-classifier.js";
import { WriteGuard } from "../memory/write/guard/write-guard.js";
import { WriteVectorSource } from "../memory/write/vectors.js";
import { MemoryWrites } from "../memory/write/writes.js";
import type { Reranker } from "../rerank/reranker.js";
import { ErasureHandlers } from "../erasure/erasure.handlers.js";
import { Erasures } from "../erasure/erasures.js";
import { contentFacts, forgetContentFacts, NO_CONTENT_FACTS } from "../graph/content-mentions.js";

export interface MemoryOptions {
  em: EntityManager;
  embeddings: Embeddings;
  /** Signs and checks page tokens with the cluster's secret. */
  pageTokens: PageTokens;
  /** WatchMemories, and the change-log position ListMemories hands to watchers. */
  feed: ChangeFeed;
  /** Reorders searches that ask for rerank; none: they keep the fused order. */
  reranker?: Reranker | null;
  /** Told how each search that asked for rerank went. */
  onRerank?: (event: RerankEvent) => void;
  /** Called after a write left a memory PENDING, so the embedding worker looks at once. */
  onPending?: () => void;
  /** Called with the number of memories each committed write changed (for table statistics). */
  onWritten?: (count: number) => void;
  /** Called after each batch an erasure committed in a workspace (to tell the other servers). */
  onErased?: (workspaceId: string) => void;
  /** Memories erased per transaction (ERASURE_BATCH unless given). */
  erasureBatchSize?: number;
  /** Called once each erasure that erased something is done: on PGlite, the scrubber's request. */
  onErasureFinished?: () => void;
  /** Whether writes find names in content (--content-extraction; on unless "off"). */
  contentExtraction?: "on" | "off";
  /** Repositories to use instead of the standard ones (tests observe or steer queries with these). */
  repositories?: Partial<MemoryRepositories>;
  now?: () => Date;
}

export interface MemoryParts {
  /** The write pipeline, which StagedWriteService shares with MemoryService. */
  writes: MemoryWrites;
  memory: MemoryServiceImpl;
  /** SearchService: evaluations run the same MemorySearch as SearchMemories. */
  search: SearchServiceImpl;
  /** Which memories a reader may read, through the memories repository the service uses. */
  readableIds: ReadableIds;
  /** Drops what this server's caches hold of a workspace's memories (null: of any), as another server erased some. */
  forgetCached: (workspaceId: string | null) => void;
}

/** MemoryService and its parts, wired: the one place that builds them, for the server and tests alike. */
export function composeMemory(options: MemoryOptions): MemoryParts {
  const { em, embeddings, pageTokens, feed } = options;
  const extract = options.contentExtraction === "off" ? NO_CONTENT_FACTS : contentFacts;
  const repositories = { ...memoryRepositoriesWith(extract), ...options.repositories };
  const { memories, supersessions, neighbours, retrieval, revisions, stats } = repositories;
  const now = options.now ?? (() => new Date());
  const onPending = options.onPending ?? (() => {});
  const onWritten = options.onWritten ?? (() => {});
  const reranker = options.reranker ?? null;
  const readableIds: ReadableIds = (viewer, ids) => memories(em.fork()).readableIds(viewer, ids);
  const successors = new SuccessorNames(readableIds);
  const vectors = new WriteVectorSource({ em, embeddings, vectors: repositories.vectors, onPending });
  const guard = new WriteGuard(new KindClassifier(embeddings));
  const writes = new MemoryWrites({
    em,
    memories,
    supersessions,
    neighbours,
    vectors,
    guard,
    now,
    onPending,
    onWritten,
  });
  const edits = new MemoryEdits({ em, memories, supersessions, vectors, onPending, onWritten });
  const onRerank = options.onRerank ?? (() => {});
  const search = new MemorySearch({ em, embeddings, memories, retrieval, reranker, onRerank, successors, now });
  const searchSettings = new SearchSettingsService({ em, now });
  const history = new MemoryHistory({ em, revisions, pageTokens, successors });
  const transfer = new MemoryTransfer({
    em,
    revisions,
    successors,
    now,
    vectorSizeOf: (model) => (model === embeddings.model ? embeddings.dimensions : null),
    onPending,
    onWritten,
    extract,
  });
  const forgetCached = (workspaceId: string | null) => {
    embeddings.forgetRecent();
    search.forgetWorkspace(workspaceId);
    forgetContentFacts();
  };
  const erasures = new Erasures({
    em,
    now,
    batchSize: options.erasureBatchSize,
    onFinished: options.onErasureFinished,
    forgetCached,
    onErased: (workspaceId, count) => {
      onWritten(count);
      options.onErased?.(workspaceId);
    },
  });
  const memory = new MemoryServiceImpl({
    em,
    memories,
    stats,
    embeddings,
    reranker,
    pageTokens,
    successors,
    writes,
    edits,
    search,
    searchSettings: (workspaceId) => searchSettings.inForce(workspaceId),
    history,
    transfer,
    erasure: new ErasureHandlers(em, erasures),
    feed,
    now,
  });
  const searchService = new SearchServiceImpl({ search, reranker, settings: searchSettings });
  return { writes, memory, search: searchService, readableIds, forgetCached };
}
