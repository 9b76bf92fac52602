import { randomUUID } from "node:crypto";
import type { Scope } from "../../../src/auth/principal.js";
import { memoryClient, type Protocol } from "../clients.js";
import type { TestServer } from "../server.js";
import type { Caller } from "../service.js";
import type { MemoryClient } from "./memory.js";

/** What an admin key holds: every memory scope, so it may change memories no agent owns. */
export const ADMIN_SCOPES: Scope[] = ["admin", "memory:read", "memory:write"];

/** A caller on the service tier holding an admin key of the harness's workspace. */
export const ADMIN: Caller = { scopes: ADMIN_SCOPES };

/** An agent id no other test (or earlier run on a shared Postgres) uses. */
export function anAgentId(prefix = "agent"): string {
  return `${prefix}-${randomUUID()}`;
}

/** What a key created on a real server may be bound to. */
export type KeyOptions = Parameters<TestServer["createKey"]>[0];

/** A client of a real server that holds a new key of its own (read and write unless told). */
export async function clientWithKey(
  server: TestServer,
  options: KeyOptions = {},
  protocol?: Protocol,
): Promise<MemoryClient> {
  return memoryClient(server.baseUrl, await server.createKey(options), protocol);
}
