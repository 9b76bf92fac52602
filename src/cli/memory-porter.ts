import { successorNamesOf } from "../memory/successors.js";
import { memoryRepositories } from "../memory/repositories.js";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import {
  MemoryService,
  type ExportMemoriesResponse,
  type ImportMemoriesResponse,
} from "../../gen/ts/engram/v1/memory_service_pb.js";
import { MemoryFilterSchema } from "../../gen/ts/engram/v1/memory_pb.js";
import { EmbeddingQueueRepository } from "../memory/queue/embedding-queue.repository.js";
import { toExportQuery } from "../memory/filter-query.js";
import { MemoryTransfer } from "../memory/transfer/transfer.js";
import type { Target } from "./target.js";
import { refusedBy } from "./text-output.js";

/** The part of MemoryFilter the export command offers. */
export interface ExportFilter {
  agentId: string;
  subjectType: string;
  subjectId: string;
  kinds: string[];
  showDeleted: boolean;
  showExpired: boolean;
}

/** What the export and import commands need of a target: one workspace's memories, out and in. */
export interface MemoryPorter {
  /** The workspace exported from and imported into. */
  workspaceId: string;
  export(filter: ExportFilter): AsyncIterable<ExportMemoriesResponse>;
  import(memories: ExportMemoriesResponse[]): Promise<ImportMemoriesResponse>;
  close(): Promise<void>;
}

/**
 * On the database: the workspace named (default: default), every vector kept whose size fits
 * the column (the server re-embeds vectors of another model). Through a server: its admin key's
 * workspace, and vectors of the server's model only.
 */
export async function memoryPorterFor(target: Target, workspace: string | undefined): Promise<MemoryPorter> {
  if (target.kind === "server") return serverPorter(target, workspace);
  const { db } = target;
  const workspaceId = workspace ?? "default";
  const columnSize = await new EmbeddingQueueRepository(db.em.fork()).columnDimensions();
  const transfer = new MemoryTransfer({
    em: db.em,
    revisions: memoryRepositories.revisions,
    successors: successorNamesOf(db.em),
    vectorSizeOf: () => columnSize,
    now: () => new Date(),
  });
  const viewer = { workspaceId, agentId: null, admin: true };
  return {
    workspaceId,
    export: (filter) => transfer.export(viewer, toExportQuery(create(MemoryFilterSchema, filter))),
    import: (memories) => transfer.import(viewer, memories),
    close: () => db.close(),
  };
}

async function serverPorter(
  target: Extract<Target, { kind: "server" }>,
  workspace: string | undefined,
): Promise<MemoryPorter> {
  const client = createClient(MemoryService, createConnectTransport({ baseUrl: target.url, httpVersion: "1.1" }));
  const call = { headers: { authorization: `Bearer ${target.adminKey}` } };
  const refused = (err: unknown) => Promise.reject(refusedBy(target.holder, err));
  const { workspaceId } = await client.getMemoryStats({}, call).catch(refused);
  if (workspace !== undefined && workspace !== workspaceId) {
    throw new Error(
      `${target.holder} acts in workspace "${workspaceId}", not "${workspace}": use an admin key of that workspace`,
    );
  }
  return {
    workspaceId,
    async *export(filter) {
      try {
        yield* client.exportMemories({ filter }, call);
      } catch (err) {
        await refused(err);
      }
    },
    import: (memories) => client.importMemories({ memories }, call).catch(refused),
    close: async () => {},
  };
}
