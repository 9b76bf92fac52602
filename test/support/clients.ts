import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { SearchService } from "../../gen/ts/engram/v1/search_service_pb.js";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ApiKeyService } from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { MemoryService } from "../../gen/ts/engram/v1/memory_service_pb.js";

export type Protocol = "connect-h1" | "connect-h2" | "grpc" | "grpc-web";

function bearer(key: string): Interceptor {
  return (next) => (req) => {
    req.header.set("authorization", `Bearer ${key}`);
    return next(req);
  };
}

export function transport(baseUrl: string, key: string, protocol: Protocol = "connect-h1"): Transport {
  const interceptors = [bearer(key)];
  switch (protocol) {
    case "connect-h1":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
    case "connect-h2":
      return createConnectTransport({ baseUrl, httpVersion: "2", interceptors });
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
  }
}

export function memoryClient(baseUrl: string, key: string, protocol?: Protocol): Client<typeof MemoryService> {
  return createClient(MemoryService, transport(baseUrl, key, protocol));
}

export function searchClient(baseUrl: string, key: string, protocol?: Protocol): Client<typeof SearchService> {
  return createClient(SearchService, transport(baseUrl, key, protocol));
}

export function apiKeyClient(baseUrl: string, key: string, protocol?: Protocol): Client<typeof ApiKeyService> {
  return createClient(ApiKeyService, transport(baseUrl, key, protocol));
}

/** Every memory the key can see, deleted and expired ones included, page by page. */
export async function countAllMemories(client: Client<typeof MemoryService>): Promise<number> {
  let count = 0;
  let pageToken = "";
  do {
    const page = await client.listMemories({
      filter: { showDeleted: true, showExpired: true },
      pageSize: 500,
      pageToken,
    });
    count += page.memories.length;
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return count;
}

/** A REST call bearing the key, with a JSON body when given: the reply's status, headers and JSON. */
export async function restJson<T = Record<string, unknown>>(
  baseUrl: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}
