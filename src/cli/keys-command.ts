import { Command, Option } from "commander";
import type { ApiKeyRecord } from "../auth/api-key.repository.js";
import { SCOPES, type Scope } from "../auth/principal.js";
import { isUuid } from "../ids.js";
import { keyAdminFor, type KeyAdmin } from "./key-admin.js";
import { openTarget, withTargetOptions, type TargetOptions } from "./target.js";
import { textTable } from "./text-output.js";

async function withKeyAdmin<T>(o: TargetOptions, act: (admin: KeyAdmin) => Promise<T>): Promise<T> {
  const admin = keyAdminFor(await openTarget(o));
  try {
    return await act(admin);
  } finally {
    await admin.close();
  }
}

/** `engram keys create|list|revoke`. */
export function keysCommand(): Command {
  const keys = new Command("keys").description("manage API keys (for operators)");

  withTargetOptions(
    keys
      .command("create")
      .description("create an API key and print its secret (through a running server: in its admin key's workspace)")
      .requiredOption("--workspace <id>", "the workspace the key belongs to")
      .addOption(new Option("--scopes <scopes...>", "scopes").choices(SCOPES).default(["memory:read", "memory:write"]))
      .option("--agent <id>", "bind the key to one agent")
      .option("--name <name>", "display name", ""),
  ).action(async (o: TargetOptions & { workspace: string; scopes: Scope[]; agent?: string; name: string }) => {
    const secret = await withKeyAdmin(o, (admin) =>
      admin.create({ workspaceId: o.workspace, displayName: o.name, scopes: o.scopes, agentId: o.agent ?? null }),
    );
    process.stdout.write(secret + "\n");
  });

  withTargetOptions(
    keys
      .command("list")
      .description("list a workspace's API keys, one per line (never their secrets)")
      .option("--workspace <id>", "the workspace (default: default, or the admin key's through a server)")
      .option("--revoked", "include revoked keys"),
  ).action(async (o: TargetOptions & { workspace?: string; revoked?: boolean }) => {
    const records = await withKeyAdmin(o, async (admin) =>
      admin.list(o.workspace ?? (await admin.defaultWorkspace()), o.revoked ?? false),
    );
    process.stdout.write(keyTable(records));
  });

  withTargetOptions(
    keys
      .command("revoke")
      .description("revoke an API key: it stops working at once, on every server")
      .argument("<id>", "the key's id (from keys list)")
      .option("--workspace <id>", "the key's workspace (default: default, or the admin key's through a server)"),
  ).action(async (id: string, o: TargetOptions & { workspace?: string }) => {
    if (!isUuid(id)) throw new Error(`"${id}" is not an API key id (keys list shows them)`);
    const revoked = await withKeyAdmin(o, async (admin) =>
      admin.revoke(o.workspace ?? (await admin.defaultWorkspace()), id),
    );
    if (revoked === null) throw new Error(`no API key ${id} in that workspace`);
    process.stdout.write(`revoked ${revoked.id} (${revoked.displayName || "no name"})\n`);
  });

  return keys;
}

const COLUMNS = ["id", "workspace", "name", "scopes", "agent", "created", "revoked"];

function keyTable(records: readonly ApiKeyRecord[]): string {
  const rows = records.map((r) => [
    r.id,
    r.workspaceId,
    r.displayName || "-",
    r.scopes.join(","),
    r.agentId ?? "-",
    r.createTime.toISOString(),
    r.revokeTime?.toISOString() ?? "-",
  ]);
  return textTable([COLUMNS, ...rows]);
}
