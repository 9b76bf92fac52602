/**
 * The free-space reserve through the real services, on either engine, with a simulated disk:
 * while free space is under the reserve every writing RPC is RESOURCE_EXHAUSTED STORAGE_FULL
 * and changes nothing, every reading RPC answers, and writes resume once space is back.
 * (test/e2e/server/disk-full.test.ts fills a real file system under a spawned server.)
 */
import { randomUUID } from "node:crypto";
import { toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { pino } from "pino";
import { WebhookSchema } from "../../../gen/ts/engram/v1/webhook_service_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiKeySchema } from "../../../gen/ts/engram/v1/api_key_service_pb.js";
import { ExportMemoriesResponseSchema } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import { StagedWriteSchema } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";
import { ErrorInfoSchema } from "../../../gen/ts/google/rpc/error_details_pb.js";
import { StorageReserve } from "../../../src/db/storage-reserve.js";
import { writesData } from "../../../src/server/interceptors/storage.js";
import { API_SERVICES } from "../../../src/server/routes.js";
import { ADMIN } from "../../support/factories/key.js";
import { aNote } from "../../support/factories/memory.js";
import { erase } from "../../support/erasure.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

const MIB = 1024 * 1024;
const RESERVE = 64 * MIB;
let free = 1024 * MIB;
const storage = new StorageReserve({
  reserveBytes: RESERVE,
  freeSpace: async () => free,
  logger: pino({ level: "silent" }),
});

async function setFree(bytes: number): Promise<void> {
  free = bytes;
  await storage.measure();
}

let services: ServiceHarness;
const memories = () => services.memories(ADMIN);
const stagedWrites = () => services.stagedWrites(ADMIN);
const apiKeys = () => services.apiKeys(ADMIN);
const entities = () => services.entities(ADMIN);
const webhooks = () => services.webhooks(ADMIN);
/** Every note is about Ana: an entity each write mentions. */
const ana = { type: "contact", id: "ana" };

/** What the calls below act on: made while there is space. */
let kept = "";
let deleted = "";
let superseded = "";
const staged: string[] = [];
let keyId = "";
let toErase = "";
let receiptId = "";
let webhookId = "";

beforeAll(async () => {
  services = await startServices({ storage, webhookAllowPrivate: true });
  await setFree(1024 * MIB);
  kept = (await memories().writeMemory({ memory: note("kept") })).memory!.id;
  deleted = (await memories().writeMemory({ memory: note("to undelete") })).memory!.id;
  await memories().deleteMemory({ id: deleted });
  superseded = (await memories().writeMemory({ memory: note("superseded") })).memory!.id;
  await memories().writeMemory({ memory: note("successor"), supersedes: [superseded] });
  for (let i = 0; i < 2; i++) {
    const res = await stagedWrites().createStagedWrite({ requests: [{ memory: note(`staged ${i}`) }] });
    staged.push(res.stagedWrite!.id);
  }
  keyId = (await apiKeys().createApiKey({ apiKey: { displayName: "to revoke", scopes: ["memory:read"] } })).apiKey!.id;
  toErase = (await memories().writeMemory({ memory: note("to erase") })).memory!.id;
  const erased = await erase(memories(), {
    ids: [(await memories().writeMemory({ memory: note("erased") })).memory!.id],
  });
  receiptId = erased.receipt.id;
  webhookId = (await webhooks().createWebhook({ webhook: { url: "http://127.0.0.1:9/kept" } })).webhook!.id;
});
afterAll(() => services?.close());

/** A note about Ana that no other call writes. */
const note = (content: string) => aNote("ana", `${content} ${randomUUID()}`);

async function all<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

/** Every writing RPC, with a request that succeeds when there is space. */
let lastMergeId = "6f1c2b1e-8d3a-4c55-9a7e-2b4f7d9e0a11";
const WRITES: Record<string, () => Promise<unknown>> = {
  WriteMemory: () => memories().writeMemory({ memory: note("new") }),
  BatchWriteMemories: () => memories().batchWriteMemories({ requests: [{ memory: note("batched") }] }),
  UpdateMemory: () =>
    memories().updateMemory({ id: kept, memory: { content: "changed" }, updateMask: { paths: ["content"] } }),
  DeleteMemory: () => memories().deleteMemory({ id: kept }),
  UndeleteMemory: () => memories().undeleteMemory({ id: deleted }),
  UnsupersedeMemory: () => memories().unsupersedeMemory({ id: superseded }),
  ImportMemories: () =>
    memories().importMemories({ memories: [{ memory: { ...note("imported"), id: randomUUID() } }] }),
  CreateStagedWrite: () => stagedWrites().createStagedWrite({ requests: [{ memory: note("staged") }] }),
  ApplyStagedWrite: () => stagedWrites().applyStagedWrite({ id: staged[0]! }),
  DiscardStagedWrite: () => stagedWrites().discardStagedWrite({ id: staged[1]! }),
  CreateApiKey: () => apiKeys().createApiKey({ apiKey: { displayName: "new", scopes: ["memory:read"] } }),
  RevokeApiKey: () => apiKeys().revokeApiKey({ id: keyId }),
  UpdateEntity: () => entities().updateEntity({ ...ana, entity: { name: "Ana" }, updateMask: { paths: ["name"] } }),
  MergeEntities: async () => {
    const { merge } = await entities().mergeEntities({ from: ana, into: { type: "person", id: "ana lopez" } });
    lastMergeId = merge?.id ?? lastMergeId;
  },
  // The merge just made, once one could be.
  UndoEntityMerge: () => entities().undoEntityMerge({ mergeId: lastMergeId }),
  // Refused too: its scrub of the embedded files needs room for a copy of each table.
  EraseMemories: () => erase(memories(), { ids: [toErase] }),
  CreateWebhook: () => webhooks().createWebhook({ webhook: { url: "http://127.0.0.1:9/new" } }),
  UpdateWebhook: () =>
    webhooks().updateWebhook({ id: webhookId, webhook: { description: "d" }, updateMask: { paths: ["description"] } }),
  // Its attempt goes to the delivery log.
  TestWebhook: () => webhooks().testWebhook({ id: webhookId }),
  DeleteWebhook: () => webhooks().deleteWebhook({ id: webhookId }),
  UpdateSearchSettings: () => services.search(ADMIN).updateSearchSettings({ settings: { semanticWeight: 0.5 } }),
};

/** Every reading RPC. */
/** A stream's first message, then the stream closed (a watch never ends by itself). */
async function firstOf<T>(stream: AsyncIterable<T>): Promise<T | undefined> {
  for await (const message of stream) return message;
  return undefined;
}

const READS: Record<string, () => Promise<unknown>> = {
  GetMemory: () => memories().getMemory({ id: kept }),
  ListMemoryRevisions: () => memories().listMemoryRevisions({ id: kept }),
  ListMemories: () => memories().listMemories({}),
  SearchMemories: () => all(memories().searchMemories({ query: "kept" })),
  EvaluateSearch: () =>
    all(services.search(ADMIN).evaluateSearch({ queries: [{ query: "kept", expectedIds: [kept] }] })),
  GetMemoryStats: () => memories().getMemoryStats({}),
  ExportMemories: () => all(memories().exportMemories({})),
  WatchMemories: () => firstOf(memories().watchMemories({})),
  ListStagedWrites: () => stagedWrites().listStagedWrites({}),
  GetStagedWrite: () => stagedWrites().getStagedWrite({ id: staged[0]! }),
  ListApiKeys: () => apiKeys().listApiKeys({}),
  ListEntities: () => entities().listEntities({}),
  GetEntity: () => entities().getEntity(ana),
  GetEntityGraph: () => entities().getEntityGraph(ana),
  FindEntityPaths: () => entities().findEntityPaths({ ...ana, toType: "contact", toId: "ana" }),
  ListErasureReceipts: () => memories().listErasureReceipts({}),
  GetErasureReceipt: () => memories().getErasureReceipt({ id: receiptId }),
  ListWebhooks: () => webhooks().listWebhooks({}),
  GetWebhook: () => webhooks().getWebhook({ id: webhookId }),
  ListWebhookDeliveries: () => webhooks().listWebhookDeliveries({ id: webhookId }),
  GetSearchSettings: () => services.search(ADMIN).getSearchSettings({}),
  ListSearchSettingsRevisions: () => services.search(ADMIN).listSearchSettingsRevisions({}),
};

/** Everything the workspace holds that a write could change. */
async function snapshot(): Promise<string> {
  const exported = await all(memories().exportMemories({}));
  const { stagedWrites: writes } = await stagedWrites().listStagedWrites({});
  const { apiKeys: keys } = await apiKeys().listApiKeys({ showRevoked: true });
  const { webhooks: hooks } = await webhooks().listWebhooks({});
  const deliveries = await Promise.all(hooks.map((w) => webhooks().listWebhookDeliveries({ id: w.id })));
  const { revisions } = await services.search(ADMIN).listSearchSettingsRevisions({});
  return JSON.stringify({
    memories: exported.map((m) => toJson(ExportMemoriesResponseSchema, m)),
    staged: writes.map((w) => toJson(StagedWriteSchema, w)),
    keys: keys.map((k) => toJson(ApiKeySchema, k)),
    webhooks: hooks.map((w) => toJson(WebhookSchema, w)),
    deliveries: deliveries.map((d) => d.deliveries.length),
    searchSettings: revisions.map((r) => r.revision),
  });
}

async function refusal(call: () => Promise<unknown>): Promise<{ code: string; reason: string | undefined }> {
  const err = await call().then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (err === undefined) return { code: "none: the call succeeded", reason: undefined };
  return { code: Code[err.code], reason: err.findDetails(ErrorInfoSchema)[0]?.reason };
}

describe("the free-space reserve", () => {
  it("knows every API method as a write or a read", () => {
    const methods = API_SERVICES.flatMap((s) => s.methods);
    expect(methods.map((m) => m.name).sort()).toEqual([...Object.keys(WRITES), ...Object.keys(READS)].sort());
    expect(
      methods
        .filter(writesData)
        .map((m) => m.name)
        .sort(),
    ).toEqual(Object.keys(WRITES).sort());
  });

  it("below the reserve refuses every write with RESOURCE_EXHAUSTED STORAGE_FULL, changing nothing", async () => {
    await setFree(RESERVE - 1);
    const before = await snapshot();
    for (const [name, call] of Object.entries(WRITES)) {
      expect({ name, ...(await refusal(call)) }).toEqual({ name, code: "ResourceExhausted", reason: "STORAGE_FULL" });
    }
    expect(await snapshot()).toBe(before);
  });

  it("below the reserve answers every read", async () => {
    await setFree(0);
    for (const [name, call] of Object.entries(READS)) {
      expect({ name, ...(await refusal(call)) }).toEqual({ name, code: "none: the call succeeded", reason: undefined });
    }
  });

  it("takes writes again once free space is back to the reserve", async () => {
    await setFree(RESERVE);
    for (const [name, call] of Object.entries(WRITES)) {
      expect({ name, ...(await refusal(call)) }).toEqual({ name, code: "none: the call succeeded", reason: undefined });
    }
  });
});
