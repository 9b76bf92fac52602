/**
 * ExportMemories and ImportMemories through the real MemoryService: everything a memory is
 * (ids, times, revisions, deletions, vectors) survives the trip; bad input changes nothing.
 */
import { randomUUID } from "node:crypto";
import { clone, create, toJson } from "@bufbuild/protobuf";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingStatus, MemoryChange, MemoryState } from "../../../../gen/ts/engram/v1/memory_pb.js";
import {
  ExportMemoriesResponseSchema,
  type ExportMemoriesResponse,
  type MemoryService,
} from "../../../../gen/ts/engram/v1/memory_service_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../../../gen/ts/google/rpc/error_details_pb.js";
import { WordHashEmbedder, wordHashVector } from "../../../support/embedders.js";
import { startServices, type ServiceHarness } from "../../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices({ embedder: new WordHashEmbedder() });
});
afterAll(() => services.close());

const ADMIN = ["admin"] as const;

function adminOf(workspaceId = `ws-${randomUUID()}`): Client<typeof MemoryService> {
  return services.memories({ scopes: [...ADMIN], workspaceId });
}

async function exportAll(client: Client<typeof MemoryService>, filter = {}): Promise<ExportMemoriesResponse[]> {
  const exported: ExportMemoriesResponse[] = [];
  for await (const item of client.exportMemories({ filter })) exported.push(item);
  return exported;
}

/** What must survive a transfer: everything but the workspace, which is the importer's. */
function portable(item: ExportMemoriesResponse): unknown {
  const json = toJson(ExportMemoriesResponseSchema, item) as {
    memory: Record<string, unknown>;
    revisions?: { memory: Record<string, unknown> }[];
  };
  for (const memory of [json.memory, ...(json.revisions ?? []).map((r) => r.memory)]) delete memory.workspaceId;
  return json;
}

async function errorOf(call: Promise<unknown>): Promise<ConnectError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (err === undefined) throw new Error("the call succeeded");
  return err;
}

/** A workspace with an updated keyed memory, a deleted one, an expired one and a plain one. */
async function populatedWorkspace(): Promise<Client<typeof MemoryService>> {
  const source = adminOf();
  const keyed = { subjectType: "contact", subjectId: "ana", kind: "pitch", key: "angle", agentId: "sales" };
  await source.writeMemory({ memory: { ...keyed, content: "angle: time savings" } });
  await source.writeMemory({
    memory: { ...keyed, content: "angle: fewer missed leads", tags: ["q3"], metadata: { stage: "demo" } },
  });
  const gone = await source.writeMemory({ memory: { subjectType: "contact", kind: "note", content: "left the firm" } });
  await source.deleteMemory({ id: gone.memory!.id, reason: "wrong contact" });
  await source.writeMemory({
    memory: {
      subjectType: "contact",
      kind: "note",
      content: "trial ended",
      expireTime: { seconds: BigInt(Math.floor(Date.now() / 1000) - 60), nanos: 0 },
      linkedEntities: [{ type: "deal", id: "d-7" }],
      confidence: 0.4,
      visibility: 2,
    },
  });
  await source.writeMemory({ memory: { subjectType: "team", kind: "fact", content: "standup at nine" } });
  return source;
}

const EVERYTHING = { showDeleted: true, showExpired: true };

describe("ExportMemories", () => {
  it("streams every field and the vector, oldest first, filtered, and only the caller's workspace", async () => {
    const source = await populatedWorkspace();
    await adminOf().writeMemory({ memory: { subjectType: "contact", kind: "note", content: "another workspace" } });

    const all = await exportAll(source, EVERYTHING);
    expect(all.map((e) => e.memory?.content)).toEqual([
      "angle: fewer missed leads",
      "left the firm",
      "trial ended",
      "standup at nine",
    ]);
    const [keyed, deleted, expired] = all;
    expect(keyed?.memory).toMatchObject({ revision: 2n, agentId: "sales", tags: ["q3"], key: "angle" });
    expect(keyed?.memory?.embeddingModel).toBe("test:word-hash");
    expect(keyed?.embedding).toHaveLength(384);
    expect(keyed?.embedding[0]).toBeCloseTo(wordHashVector("angle: fewer missed leads")[0]!, 6);
    expect(deleted?.memory).toMatchObject({ state: MemoryState.DELETED, forgetReason: "wrong contact" });
    expect(expired?.memory?.state).toBe(MemoryState.EXPIRED);

    // By default, as ListMemories: active memories only.
    expect((await exportAll(source)).map((e) => e.memory?.content)).toEqual([
      "angle: fewer missed leads",
      "standup at nine",
    ]);
    // agent_id selects the memories that agent owns.
    expect((await exportAll(source, { agentId: "sales" })).map((e) => e.memory?.content)).toEqual([
      "angle: fewer missed leads",
    ]);
    expect((await exportAll(source, { ...EVERYTHING, kinds: ["note"] })).map((e) => e.memory?.content)).toEqual([
      "left the firm",
      "trial ended",
    ]);
  });

  it("pages through more memories than one read holds, each once", async () => {
    const source = adminOf();
    for (let batch = 0; batch < 3; batch++) {
      await source.batchWriteMemories({
        requests: Array.from({ length: 90 }, (_, i) => ({
          memory: { subjectType: "log", kind: "line", content: `line ${batch}-${i}` },
        })),
      });
    }
    const ids = (await exportAll(source)).map((e) => e.memory?.id);
    expect(ids).toHaveLength(270);
    expect(new Set(ids).size).toBe(270);
  });

  it("is for admins: a key with memory scopes only is refused as PERMISSION_DENIED", async () => {
    const err = await errorOf(exportAll(services.memories()));
    expect(err.code).toBe(Code.PermissionDenied);
  });
});

describe("ImportMemories", () => {
  it("stores exported memories as they were: ids, times, revisions, history, deletions and vectors", async () => {
    const source = await populatedWorkspace();
    const exported = await exportAll(source, EVERYTHING);
    const target = adminOf();

    const result = await target.importMemories({ memories: exported });
    expect(result).toMatchObject({ created: 4, replaced: 0, unchanged: 0, vectorsKept: 4 });
    const imported = await exportAll(target, EVERYTHING);
    expect(imported.map(portable)).toEqual(exported.map(portable));
    expect(imported.every((e) => e.memory?.embeddingStatus === EmbeddingStatus.ATTACHED)).toBe(true);
    // History travels with them: the same revisions, changes, times and contents.
    const historyOf = async (client: Client<typeof MemoryService>, id: string) =>
      (await client.listMemoryRevisions({ id })).revisions.map((r) => [
        r.revision,
        MemoryChange[r.change],
        r.changeTime?.seconds,
        r.memory?.content,
        r.changedFields,
      ]);
    const keyedId = exported[0]!.memory!.id;
    expect(await historyOf(target, keyedId)).toEqual(await historyOf(source, keyedId));
    expect((await historyOf(target, keyedId)).map(([revision, change]) => [revision, change])).toEqual([
      [2n, "UPSERTED"],
      [1n, "CREATED"],
    ]);

    // The imported memories are searchable by their vectors and writable as before.
    const hits = [];
    for await (const hit of target.searchMemories({ query: "standup nine", mode: 2 })) hits.push(hit);
    expect(hits[0]?.memory?.content).toBe("standup at nine");
    const updated = await target.writeMemory({
      memory: { subjectType: "contact", subjectId: "ana", kind: "pitch", key: "angle", agentId: "sales", content: "x" },
    });
    expect(updated.memory).toMatchObject({ id: exported[0]?.memory?.id, revision: 3n });
  });

  it("is idempotent, and a higher revision replaces a lower one", async () => {
    const exported = await exportAll(await populatedWorkspace(), EVERYTHING);
    const target = adminOf();
    await target.importMemories({ memories: exported });
    expect(await target.importMemories({ memories: exported })).toMatchObject({ created: 0, unchanged: 4 });

    const newer = clone(ExportMemoriesResponseSchema, exported[3]!);
    newer.memory!.revision = 5n;
    newer.memory!.content = "standup at ten";
    const older = clone(ExportMemoriesResponseSchema, exported[0]!);
    older.memory!.revision = 1n;
    older.memory!.content = "an older version";
    older.revisions = [];
    expect(await target.importMemories({ memories: [newer, older] })).toMatchObject({
      created: 0,
      replaced: 1,
      unchanged: 1,
    });
    const after = await exportAll(target, EVERYTHING);
    expect(after.map((e) => [e.memory?.content, e.memory?.revision])).toEqual([
      ["angle: fewer missed leads", 2n],
      // Deleting it was its second revision.
      ["left the firm", 2n],
      ["trial ended", 1n],
      ["standup at ten", 5n],
    ]);
  });

  it("leaves vectors of another model behind: the memory waits for this server's embedder", async () => {
    const [item] = await exportAll(await populatedWorkspace());
    const foreign = clone(ExportMemoriesResponseSchema, item!);
    foreign.memory!.embeddingModel = "other:model";
    foreign.embedding = [1, 2, 3];
    const target = adminOf();
    expect(await target.importMemories({ memories: [foreign] })).toMatchObject({ created: 1, vectorsKept: 0 });
    const [stored] = await exportAll(target);
    // Stored PENDING, then embedded here by this server's model (or still waiting for it).
    expect(stored?.memory?.embeddingModel).not.toBe("other:model");
    expect(stored?.memory?.id).toBe(item?.memory?.id);
  });

  it("refuses a memory whose key another memory holds, and writes none of the call", async () => {
    const target = adminOf();
    const keyed = { subjectType: "contact", subjectId: "bo", kind: "pitch", key: "angle" };
    const holder = await target.writeMemory({ memory: { ...keyed, content: "held here" } });
    const fresh = (content: string, extra = {}) =>
      create(ExportMemoriesResponseSchema, {
        memory: { id: randomUUID(), subjectType: "contact", kind: "note", content, revision: 1n, ...extra },
      });

    const err = await errorOf(target.importMemories({ memories: [fresh("would be new"), fresh("clash", keyed)] }));
    expect(err.code).toBe(Code.AlreadyExists);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("KEY_TAKEN");
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("memories[1].memory.key");
    expect(err.message).toContain(holder.memory!.id);
    expect((await exportAll(target, EVERYTHING)).map((e) => e.memory?.content)).toEqual(["held here"]);
  });

  it.each([
    ["an id that is not a UUID", { id: "m-1" }, [], "memories[0].memory.id"],
    ["a missing id", { id: "" }, [], "memories[0].memory"],
    ["a vector with a non-finite value", {}, [...Array<number>(383).fill(0), Number.NaN], "memories[0].embedding"],
    ["a vector of the wrong size", {}, [0.5, 0.5], "memories[0].embedding"],
    ["a vector without its model", { embeddingModel: "" }, [0.5], "memories[0].memory.embedding_model"],
  ])("refuses %s as INVALID_ARGUMENT and writes nothing", async (_name, memory, embedding, field) => {
    const target = adminOf();
    const item = create(ExportMemoriesResponseSchema, {
      memory: {
        id: randomUUID(),
        subjectType: "contact",
        kind: "note",
        content: "c",
        embeddingModel: "test:word-hash",
        ...memory,
      },
      embedding,
    });
    const err = await errorOf(target.importMemories({ memories: [item] }));
    expect(err.code).toBe(Code.InvalidArgument);
    const fields = err.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field) ?? [];
    expect(fields.some((f) => f.startsWith(field))).toBe(true);
    expect(await exportAll(target, EVERYTHING)).toEqual([]);
  });

  it("keeps revisions past 2^53 exact, so every update has an etag of its own", async () => {
    const client = adminOf();
    const id = randomUUID();
    const memory = { id, subjectType: "contact", kind: "note", content: "imported near the limit" };
    await client.importMemories({ memories: [{ memory: { ...memory, revision: 2n ** 53n - 1n } }] });
    const first = await client.updateMemory({
      id,
      memory: { content: "first update" },
      updateMask: { paths: ["content"] },
    });
    const second = await client.updateMemory({
      id,
      memory: { content: "second update" },
      updateMask: { paths: ["content"] },
      etag: first.memory?.etag ?? "",
    });
    expect([first.memory?.revision, second.memory?.revision]).toEqual([2n ** 53n, 2n ** 53n + 1n]);
    expect(second.memory?.etag).not.toBe(first.memory?.etag);
    // The first update's etag no longer matches: the etag still guards concurrent updates.
    const stale = await errorOf(
      client.updateMemory({
        id,
        memory: { content: "a lost update" },
        updateMask: { paths: ["content"] },
        etag: first.memory?.etag ?? "",
      }),
    );
    expect(stale.code).toBe(Code.Aborted);
    expect((await client.getMemory({ id })).memory).toMatchObject({
      content: "second update",
      revision: 2n ** 53n + 1n,
    });
  });

  it("refuses revisions without room for later updates, naming the field, and writes nothing", async () => {
    const client = adminOf();
    const at = (revision: bigint) => ({
      memory: { id: randomUUID(), subjectType: "contact", kind: "note", content: `revision ${revision}`, revision },
    });
    const err = await errorOf(client.importMemories({ memories: [at(1n), at(2n ** 62n + 1n)] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("REVISION_OUT_OF_RANGE");
    expect(err.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("memories[1].memory.revision");
    expect(await exportAll(client)).toHaveLength(0);
    await client.importMemories({ memories: [at(2n ** 62n)] });
    expect((await exportAll(client))[0]?.memory?.revision).toBe(2n ** 62n);
  });

  it("refuses a call that repeats an id, and writes nothing", async () => {
    const target = adminOf();
    const item = create(ExportMemoriesResponseSchema, {
      memory: { id: randomUUID(), subjectType: "contact", kind: "note", content: "once", revision: 1n },
    });
    const err = await errorOf(target.importMemories({ memories: [item, item] }));
    expect(err.code).toBe(Code.InvalidArgument);
    expect(err.findDetails(ErrorInfoSchema)[0]?.reason).toBe("DUPLICATE_MEMORY_ID");
    expect(await exportAll(target, EVERYTHING)).toEqual([]);
  });

  it("is for admins: a key with memory scopes only is refused as PERMISSION_DENIED", async () => {
    const item = create(ExportMemoriesResponseSchema, {
      memory: { id: randomUUID(), subjectType: "contact", kind: "note", content: "nope" },
    });
    const err = await errorOf(services.memories().importMemories({ memories: [item] }));
    expect(err.code).toBe(Code.PermissionDenied);
  });
});
