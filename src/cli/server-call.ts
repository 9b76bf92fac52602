import { join } from "node:path";
import { Command, Option } from "commander";
import { readAdminKey } from "../auth/api-keys.js";

/** The options of a command that calls a running server's API. */
export interface ServerCallOptions {
  url: string;
  apiKey?: string;
  dataDir: string;
}

/** --url, --api-key (its help says which key) and --data-dir (where admin.key is, the key's default). */
export function withServerOptions(command: Command, keyHelp: string): Command {
  return command
    .addOption(new Option("--url <url>", "the Engram server").env("ENGRAM_URL").default("http://127.0.0.1:8080"))
    .addOption(new Option("--api-key <key>", `${keyHelp} (default: <data dir>/admin.key)`).env("ENGRAM_API_KEY"))
    .addOption(new Option("--data-dir <dir>", "where admin.key is").env("ENGRAM_DATA_DIR").default(".data"));
}

/** The key to call with: --api-key, else the data directory's admin.key. */
export async function serverKey(o: ServerCallOptions): Promise<string> {
  return (
    o.apiKey ??
    (await readAdminKey(o.dataDir).catch(() => {
      throw new Error(`no --api-key (or ENGRAM_API_KEY), and ${join(o.dataDir, "admin.key")} cannot be read`);
    }))
  );
}
