import { createClient, type Client, type Transport } from "@connectrpc/connect";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Document } from "@langchain/core/documents";
import { BaseRetriever, type BaseRetrieverInput } from "@langchain/core/retrievers";
import { MemoryService, SearchMode, type MemoryFilterSchema } from "engram-memory-client";

export interface EngramRetrieverOptions extends BaseRetrieverInput {
  /** A Connect transport to the Engram server, with the API key on it. */
  transport: Transport;
  /** Narrows every search, as SearchMemories' filter (subject, kinds, tags, metadata...). */
  filter?: MessageInitShape<typeof MemoryFilterSchema>;
  /** HYBRID (the server's default), SEMANTIC or KEYWORD. */
  mode?: SearchMode;
  /** Rerank the first results with the server's cross-encoder; not given: the workspace's setting. */
  rerank?: boolean;
  /** How many documents, 1-100 (default 10). */
  topK?: number;
  /** Leave out results scoring below this (0..1). */
  minScore?: number;
}

/**
 * LangChain's retriever over SearchMemories: each result is a Document whose page content is
 * the memory's content and whose metadata says what it is (id, score, subject, kind, key, tags,
 * times and the memory's own metadata).
 */
export class EngramRetriever extends BaseRetriever {
  lc_namespace = ["engram", "retrievers"];
  private readonly client: Client<typeof MemoryService>;
  private readonly options: EngramRetrieverOptions;

  constructor(options: EngramRetrieverOptions) {
    super(options);
    this.client = createClient(MemoryService, options.transport);
    this.options = options;
  }

  async _getRelevantDocuments(query: string): Promise<Document[]> {
    const { filter, mode = SearchMode.UNSPECIFIED, rerank, topK = 10, minScore = 0 } = this.options;
    const documents: Document[] = [];
    for await (const answer of this.client.searchMemories({ query, filter, mode, rerank, topK, minScore })) {
      const memory = answer.memory;
      if (memory === undefined) continue;
      documents.push(
        new Document({
          id: memory.id,
          pageContent: memory.content,
          metadata: {
            id: memory.id,
            score: answer.score,
            subjectType: memory.subjectType,
            subjectId: memory.subjectId,
            kind: memory.kind,
            key: memory.key,
            tags: memory.tags,
            createdAt: memory.createTime ? timestampDate(memory.createTime).toISOString() : null,
            updatedAt: memory.updateTime ? timestampDate(memory.updateTime).toISOString() : null,
            metadata: memory.metadata ?? {},
          },
        }),
      );
    }
    return documents;
  }
}
