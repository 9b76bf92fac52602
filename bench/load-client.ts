/** Clients of a benchmark's server (load-server.ts): bench:load and bench:pressure share them. */
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { EntityService } from "../gen/ts/engram/v1/entity_service_pb.js";
import { MemoryService } from "../gen/ts/engram/v1/memory_service_pb.js";
import type { RunningServer } from "./load-server.js";

export const auth = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });

export function memoryClient(server: RunningServer): Client<typeof MemoryService> {
  return createClient(MemoryService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
}

export function entityClient(server: RunningServer): Client<typeof EntityService> {
  return createClient(EntityService, createConnectTransport({ baseUrl: server.baseUrl, httpVersion: "1.1" }));
}

/** Asks for rerank until the server's reranker has loaded (the first request starts it). */
export async function untilReranking(client: Client<typeof MemoryService>, key: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let reranked: string | null = null;
    const request = { query: "warm up", topK: 1, rerank: true };
    const results = client.searchMemories(request, {
      ...auth(key),
      onHeader: (h) => (reranked = h.get("engram-rerank")),
    });
    const read = [];
    for await (const result of results) read.push(result);
    if (reranked === "applied") return;
    if (Date.now() > deadline) throw new Error("the server's reranker did not load within a minute");
    await new Promise((r) => setTimeout(r, 200));
  }
}
