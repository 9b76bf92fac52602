import { randomUUID } from "node:crypto";
import type { TestServer } from "../server.js";
import type { Caller } from "../service.js";
import { ADMIN_SCOPES } from "./key.js";

/** A workspace id no other test (or earlier run on a shared Postgres) uses. */
export function aWorkspaceId(prefix = "ws"): string {
  return `${prefix}-${randomUUID()}`;
}

/** A workspace of its own on the service tier: its id and its admin's caller. */
export function aServiceWorkspace(): { workspaceId: string; admin: Caller } {
  const workspaceId = aWorkspaceId();
  return { workspaceId, admin: { scopes: ADMIN_SCOPES, workspaceId } };
}

/** A workspace of its own on a real server: its id and a new admin key of it. */
export async function aServerWorkspace(server: TestServer): Promise<{ workspaceId: string; adminKey: string }> {
  const workspaceId = aWorkspaceId();
  return { workspaceId, adminKey: await server.createKey({ workspaceId, scopes: ADMIN_SCOPES }) };
}
