import type { TestServer } from "../../support/server.js";

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A POST with a JSON body, as curl sends the seeds' examples. */
export async function post(
  server: TestServer,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json, headers: res.headers };
}

/** The memory as Engram stores it, read back over Engram's own REST API with an admin key of its workspace. */
export async function storedMemory(server: TestServer, id: string, workspaceId = server.workspaceId): Promise<Json> {
  const admin = await server.createKey({ workspaceId, scopes: ["admin", "memory:read"] });
  const res = await fetch(`${server.baseUrl}/v1/memory/${id}`, { headers: { authorization: `Bearer ${admin}` } });
  return ((await res.json()) as Json).memory as Json;
}
