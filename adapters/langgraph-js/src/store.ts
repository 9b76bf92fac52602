import { createClient, type Client, type Transport } from "@connectrpc/connect";
import type { JsonObject, MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
} from "@langchain/langgraph-checkpoint";
import { MemoryFilterSchema, MemoryService, WriteOutcome, type Memory } from "engram-memory-client";
import { EntityService } from "engram-memory-client/engram/v1/entity_service_pb";
import { labelsOf, namespaceOf, selectNamespaces, subjectIdOf } from "./namespaces.js";
import { contentOf, matchesFilter, serverFilterOf } from "./values.js";

/** The kind every item is written with: a keyed write needs one, and a kind of its own keeps items apart. */
const ITEM_KIND = "langgraph_item";
const PAGE = 500;
const SEARCH_MAX = 100;

export interface EngramStoreOptions {
  /** A Connect transport to the Engram server, with the API key on it (engram-memory-client's docs). */
  transport: Transport;
  /** The subject type every namespace is a subject of. Default "langgraph". */
  subjectType?: string;
  /** The agent the items belong to (private to it); by default the key's agent, or shared. */
  agentId?: string;
}

/**
 * LangGraph's BaseStore over Engram. An item is a keyed memory: its namespace is the subject
 * (subject_id: the labels joined by "."), its key the memory's key, its value the memory's
 * metadata.value; the content is text made from them, which is what search finds by meaning.
 */
export class EngramStore extends BaseStore {
  private readonly memories: Client<typeof MemoryService>;
  private readonly entities: Client<typeof EntityService>;
  private readonly subjectType: string;
  private readonly agentId: string;

  constructor(options: EngramStoreOptions) {
    super();
    this.memories = createClient(MemoryService, options.transport);
    this.entities = createClient(EntityService, options.transport);
    this.subjectType = options.subjectType ?? "langgraph";
    this.agentId = options.agentId ?? "";
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const results: unknown[] = [];
    // In order: a put then a get of the same key in one batch reads the put.
    for (const op of operations) results.push(await this.run(op));
    return results as OperationResults<Op>;
  }

  private run(op: Operation): Promise<unknown> {
    if ("namespacePrefix" in op) return this.searchItems(op);
    if ("value" in op) return this.putItem(op);
    if ("key" in op) return this.getItem(op);
    return this.namespaces(op);
  }

  private async getItem(op: GetOperation): Promise<Item | null> {
    const memory = await this.find(op.namespace, op.key);
    return memory === null ? null : itemOf(memory);
  }

  private async putItem(op: PutOperation): Promise<void> {
    if (op.value === null) {
      const memory = await this.find(op.namespace, op.key);
      if (memory !== null) await this.memories.deleteMemory({ id: memory.id });
      return;
    }
    const answer = await this.memories.writeMemory({
      memory: {
        agentId: this.agentId,
        subjectType: this.subjectType,
        subjectId: subjectIdOf(op.namespace),
        kind: ITEM_KIND,
        key: op.key,
        content: contentOf(op.namespace, op.key, op.value),
        metadata: { langgraph: { namespace: labelsOf(op.namespace) }, value: op.value as JsonObject },
      },
    });
    if (answer.outcome === WriteOutcome.REJECTED) {
      throw new Error(`Engram refused the item ${op.namespace.join(".")}/${op.key}: ${answer.reason}`);
    }
  }

  private async searchItems(op: SearchOperation): Promise<SearchItem[]> {
    const offset = op.offset ?? 0;
    const limit = op.limit ?? 10;
    const value = serverFilterOf(op.filter);
    const filter: MessageInitShape<typeof MemoryFilterSchema> = {
      agentId: this.agentId,
      subjectType: this.subjectType,
      kinds: [ITEM_KIND],
      metadata: {
        langgraph: { namespace: labelsOf(op.namespacePrefix) },
        ...(Object.keys(value).length > 0 ? { value } : {}),
      },
    };
    const found: SearchItem[] = [];
    if (op.query !== undefined && op.query !== "") {
      const answers = this.memories.searchMemories({ query: op.query, filter, topK: SEARCH_MAX });
      for await (const answer of answers) {
        if (answer.memory === undefined) continue;
        const item = itemOf(answer.memory);
        if (matchesFilter(item.value, op.filter)) found.push({ ...item, score: answer.score });
      }
      return found.slice(offset, offset + limit);
    }
    let pageToken = "";
    do {
      const page = await this.memories.listMemories({ filter, pageSize: PAGE, pageToken, orderBy: "create_time asc" });
      for (const memory of page.memories) {
        const item = itemOf(memory);
        if (matchesFilter(item.value, op.filter)) found.push(item);
      }
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && found.length < offset + limit);
    return found.slice(offset, offset + limit);
  }

  private async namespaces(op: ListNamespacesOperation): Promise<string[][]> {
    const all: string[][] = [];
    let pageToken = "";
    do {
      const page = await this.entities.listEntities({
        agentId: this.agentId,
        type: this.subjectType,
        pageSize: 200,
        pageToken,
      });
      for (const entity of page.entities) if (entity.ref !== undefined) all.push(namespaceOf(entity.ref.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    const conditions = op.matchConditions ?? [];
    return selectNamespaces(all, {
      prefix: conditions.find((c) => c.matchType === "prefix")?.path,
      suffix: conditions.find((c) => c.matchType === "suffix")?.path,
      maxDepth: op.maxDepth,
      limit: op.limit,
      offset: op.offset,
    });
  }

  private async find(namespace: string[], key: string): Promise<Memory | null> {
    const page = await this.memories.listMemories({
      filter: {
        agentId: this.agentId,
        subjectType: this.subjectType,
        subjectId: subjectIdOf(namespace),
        kinds: [ITEM_KIND],
        key,
      },
      pageSize: 1,
    });
    return page.memories[0] ?? null;
  }
}

function itemOf(memory: Memory): Item {
  const value = (memory.metadata?.value ?? {}) as Record<string, unknown>;
  return {
    namespace: namespaceOf(memory.subjectId),
    key: memory.key,
    value,
    createdAt: memory.createTime ? timestampDate(memory.createTime) : new Date(0),
    updatedAt: memory.updateTime ? timestampDate(memory.updateTime) : new Date(0),
  };
}
