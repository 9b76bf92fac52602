import { execFile } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddingStatus } from "../../gen/ts/engram/v1/memory_pb.js";
import { memoryClient } from "../support/clients.js";
import { codeOf } from "../support/codes.js";
import { createTestDatabase } from "../support/database.js";
import { engramCommand, repoRoot, runEngram } from "../support/engram-process.js";
import { WordHashEmbedder } from "../support/embedders.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { newDataDir } from "../support/templates.js";

const run = promisify(execFile);

let server: TestServer;
let dataDir: string;
let databaseUrl: string | undefined;
beforeAll(async () => {
  dataDir = await newDataDir("engram-cli-");
  databaseUrl = process.env.DATABASE_URL ? (await createTestDatabase(process.env.DATABASE_URL)).url : undefined;
  server = await startTestServer({ dataDir, databaseUrl });
});
afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs the CLI on the same data as the suite's server (its data directory or Postgres database). */
async function engram(...args: string[]) {
  const env = { ...process.env, ENGRAM_DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? "" };
  return run(...engramCommand(...args), { env });
}

describe("engram keys create", () => {
  it("creates an agent-bound key in any workspace that the running server accepts", async () => {
    // PGlite allows one process per data directory: stop the server, create the key, restart.
    const usesPglite = !process.env.DATABASE_URL;
    if (usesPglite) await server.close();
    const { stdout } = await engram(
      "keys",
      "create",
      "--workspace",
      "acme",
      "--agent",
      "bot",
      "--scopes",
      "memory:read",
    );
    if (usesPglite) server = await startTestServer({ dataDir, databaseUrl });
    const secret = stdout.trim();
    expect(secret).toMatch(/^egm_/);

    const client = memoryClient(server.baseUrl, secret);
    await expect(client.listMemories({})).resolves.toMatchObject({ memories: [] });
    const denied = await client
      .writeMemory({ memory: { subjectType: "s", kind: "k", content: "c" } })
      .catch((e: unknown) => ConnectError.from(e));
    expect(denied).toBeInstanceOf(ConnectError);
    expect((denied as ConnectError).code).toBe(Code.PermissionDenied);
  });

  it("while the server runs, creates a key in admin.key's workspace that works at once and after a restart", async () => {
    // On PGlite the server holds the data directory, so the CLI goes through its ApiKeyService.
    const { stdout } = await engram("keys", "create", "--workspace", "default", "--scopes", "memory:read");
    const secret = stdout.trim();
    expect(secret).toMatch(/^egm_/);
    await expect(memoryClient(server.baseUrl, secret).listMemories({})).resolves.toMatchObject({ memories: [] });

    await server.close();
    server = await startTestServer({ dataDir, databaseUrl });
    await expect(memoryClient(server.baseUrl, secret).listMemories({})).resolves.toMatchObject({ memories: [] });
  });

  it("refuses a DATABASE_URL that is not Postgres, without printing it", async () => {
    const env = { ...process.env, ENGRAM_DATA_DIR: dataDir, DATABASE_URL: "mysql://root:s3cret-pw@db.example/engram" };
    const failed = run(...engramCommand("keys", "create", "--workspace", "acme"), { env });
    await expect(failed).rejects.toMatchObject({
      code: 1,
      stdout: "",
      stderr:
        "error: DATABASE_URL has the scheme mysql://, expected postgres:// or postgresql:// (Engram stores its data in Postgres)\n",
    });
  });

  it("rejects an unknown scope", async () => {
    await expect(engram("keys", "create", "--workspace", "acme", "--scopes", "root")).rejects.toMatchObject({
      stderr: expect.stringContaining("Allowed choices are memory:read, memory:write, memory:erase, admin"),
    });
  });
});

describe("engram keys list and revoke", () => {
  it("list a workspace's keys and revoke one, on the database itself", async () => {
    // PGlite allows one process per data directory: the commands run while the server is stopped.
    const usesPglite = !process.env.DATABASE_URL;
    if (usesPglite) await server.close();
    try {
      const secret = (await engram("keys", "create", "--workspace", "globex", "--name", "importer")).stdout.trim();
      const listed = (await engram("keys", "list", "--workspace", "globex")).stdout;
      const line = listed.split("\n").find((l) => l.includes("importer"));
      expect(line).toMatch(/^[0-9a-f-]{36}\s+globex\s+importer\s+memory:read,memory:write\s+-\s+\S+Z\s+-$/);
      expect(listed).not.toContain(secret);
      expect((await engram("keys", "list")).stdout).not.toContain("importer");

      const id = line!.split(/\s+/)[0]!;
      const revoked = await engram("keys", "revoke", id, "--workspace", "globex");
      expect(revoked.stdout).toBe(`revoked ${id} (importer)\n`);
      expect((await engram("keys", "list", "--workspace", "globex")).stdout).not.toContain(id);
      expect((await engram("keys", "list", "--workspace", "globex", "--revoked")).stdout).toMatch(
        new RegExp(`^${id}\\s.*\\dZ$`, "m"),
      );
      await expect(engram("keys", "revoke", "not-an-id")).rejects.toMatchObject({
        stderr: expect.stringContaining('"not-an-id" is not an API key id'),
      });
    } finally {
      if (usesPglite) server = await startTestServer({ dataDir, databaseUrl });
    }
  });
});

describe("engram stats", () => {
  it("counts memories by workspace and state on the database, with the models of stored vectors", async () => {
    const admin = memoryClient(server.baseUrl, server.adminKey);
    const subjectId = `stats-${Date.now()}`;
    for (const content of ["renewal due in March", "asked for a discount", "moved to another team"]) {
      await admin.writeMemory({ memory: { subjectType: "contact", subjectId, kind: "note", content } });
    }
    const { memories } = await admin.listMemories({ filter: { subjectType: "contact", subjectId } });
    await admin.deleteMemory({ id: memories[0]!.id });
    const other = await server.createKey({ workspaceId: "initech", scopes: ["memory:write"] });
    await memoryClient(server.baseUrl, other).writeMemory({
      memory: { subjectType: "contact", kind: "note", content: "x" },
    });

    const workspaceId = server.workspaceId;
    const usesPglite = !process.env.DATABASE_URL;
    if (usesPglite) await server.close();
    try {
      const { stdout } = await engram("stats");
      const lines = stdout.trimEnd().split("\n");
      expect(lines.slice(0, -1).map((line) => line.split(/\s{2,}/))).toEqual([
        ["workspace", "active", "deleted", "expired", "superseded", "embedding backlog", "embedding failed"],
        ["initech", "1", "0", "0", "0", "1", "0"],
        [workspaceId, "2", "1", "0", "0", "2", "0"],
        ["(all)", "3", "1", "0", "0", "3", "0"],
      ]);
      expect(lines.at(-1)).toBe("vectors stored by: none");
    } finally {
      if (usesPglite) server = await startTestServer({ dataDir, databaseUrl });
    }
  });
});

describe("engram --version", () => {
  it("prints package.json's version, as --version and as -V, and --help lists it", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ["--version", "-V"]) {
      const run = await runEngram([flag]);
      expect(run).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: "" });
    }
    expect((await runEngram(["--help"])).stdout).toMatch(/^\s+-V, --version\s+print the version and exit$/m);
  });
});

describe("--help of each command", () => {
  it("engram serve --help lists the settings new in this release and how traces are turned on", async () => {
    const { stdout } = await engram("serve", "--help");
    expect(stdout).toMatch(/^\s+--content-extraction <on\|off>/m);
    expect(stdout).toContain("OTEL_EXPORTER_OTLP_ENDPOINT");
  });

  it.each([
    [
      ["keys", "list"],
      ["--workspace", "--revoked", "--data-dir", "--url", "--api-key"],
    ],
    [
      ["keys", "revoke"],
      ["--workspace", "--data-dir", "--url", "--api-key"],
    ],
    [["reembed"], ["--all", "--data-dir", "--database-url", "--model-dir", "--embedding-model", "--log-level"]],
    [
      ["erase"],
      ["--id", "--subject-id", "--kind", "--mentions", "--owner", "--dry-run", "--yes", "--url", "--api-key"],
    ],
  ])("engram %s --help lists its own flags only", async (command, own) => {
    const { stdout } = await engram(...command, "--help");
    const flags = [...stdout.matchAll(/^\s+(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]);
    expect(flags.filter((flag) => flag !== "--help").sort()).toEqual(expect.arrayContaining([...own].sort()));
    for (const serverOnly of ["--port", "--host", "--tls-cert", "--rate-limit", "--cors-origins", "--retention-days"]) {
      expect(flags).not.toContain(serverOnly);
    }
  });
});

describe("engram erase", () => {
  /** Notes about a subject of their own, and a pitch about it that --kind note leaves alone. */
  async function aSubject(count: number) {
    const client = memoryClient(server.baseUrl, server.adminKey);
    const subjectId = `erase-${Date.now()}-${Math.random()}`;
    const notes = ["Zelda prefers calls on Tuesdays", "Her team renews in March", "She asked about SSO pricing"];
    const ids: string[] = [];
    for (const content of notes.slice(0, count)) {
      const { memory } = await client.writeMemory({
        memory: { subjectType: "contact", subjectId, kind: "note", content },
      });
      ids.push(memory!.id);
    }
    const pitch = await client.writeMemory({
      memory: { subjectType: "contact", subjectId, kind: "pitch", content: "Pitched the annual plan to Zelda" },
    });
    const remaining = async () => {
      const filter = { subjectId, showDeleted: true, showExpired: true, includeSuperseded: true };
      return (await client.listMemories({ filter })).memories.map((m) => m.id).sort();
    };
    return { client, subjectId, ids, pitchId: pitch.memory!.id, remaining };
  }
  const through = () => ["--url", server.baseUrl, "--api-key", server.adminKey];

  it("on a dry run reports the counts per store and erases nothing", async () => {
    const { subjectId, ids, pitchId, remaining } = await aSubject(2);
    const before = await remaining();
    const run = await runEngram(["erase", ...through(), "--subject-id", subjectId, "--kind", "note", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^dry run: nothing was erased\nstore +would erase\nmemories +2\nrevisions +2\n/);
    expect(run.stdout).toMatch(/^erased ids digest: [0-9a-f]{64}$/m);
    expect(await remaining()).toEqual(before);
    expect(before).toEqual([...ids, pitchId].sort());
  });

  it("with --yes erases every memory the filter selects, and prints the receipt the server keeps", async () => {
    const { client, subjectId, ids, pitchId, remaining } = await aSubject(2);
    const run = await runEngram(["erase", ...through(), "--subject-id", subjectId, "--kind", "note", "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    const receiptId = /^erasure ([0-9a-f-]{36})$/m.exec(run.stdout)?.[1];
    expect(run.stdout).toMatch(/^memories +2$/m);
    expect(run.stdout).toMatch(/^duration: \d+\.\d{3} s, 1 batch$/m);
    expect(await remaining()).toEqual([pitchId]);
    for (const id of ids) expect(await codeOf(client.getMemory({ id }))).toBe("NotFound");
    const { receipt: kept } = await client.getErasureReceipt({ id: receiptId! });
    expect([kept?.counts?.memories, kept?.complete]).toEqual([2n, true]);
    expect(run.stdout).toContain(`erased ids digest: ${kept?.erasedIdsDigest}\n`);
  });

  it("refuses without --yes when stdin is not a terminal, and erases nothing", async () => {
    const { subjectId, remaining } = await aSubject(1);
    const before = await remaining();
    const run = await runEngram(["erase", ...through(), "--subject-id", subjectId]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("erasure cannot be undone and stdin is not a terminal");
    expect(run.stderr).toContain("pass --yes");
    expect(await remaining()).toEqual(before);
    expect((await runEngram(["erase", "--help"])).stdout).toContain("Erasure cannot be undone");
  });
});

describe("engram reembed", () => {
  it("re-embeds memories written by another model with the configured one, through the CLI", async () => {
    const reembedDir = await newDataDir("engram-reembed-");
    try {
      const first = await startTestServer({ dataDir: reembedDir, databaseUrl }, { embedder: new WordHashEmbedder() });
      const client = memoryClient(first.baseUrl, first.adminKey);
      const subjectId = `reembed-${Date.now()}`;
      const ids: string[] = [];
      for (const content of ["Sarah prefers email follow-ups", "Bob asked about pricing tiers"]) {
        const { memory } = await client.writeMemory({
          memory: { subjectType: "contact", subjectId, kind: "fact", content },
        });
        expect(memory?.embeddingModel).toBe("test:word-hash");
        ids.push(memory!.id);
      }
      const adminKey = first.adminKey;
      await first.close();

      const { stderr } = await run(
        ...engramCommand("reembed", "--model-dir", process.env.ENGRAM_MODEL_DIR ?? ".models", "--log-level", "warn"),
        { env: { ...process.env, ENGRAM_DATA_DIR: reembedDir, DATABASE_URL: databaseUrl ?? "" } },
      );
      expect(stderr).toMatch(/re-embedded (\d+) of \1 memories with local:Xenova\/all-MiniLM-L6-v2:q8/);

      const second = await startTestServer({ dataDir: reembedDir, databaseUrl });
      try {
        const reader = memoryClient(second.baseUrl, adminKey);
        for (const id of ids) {
          const { memory } = await reader.getMemory({ id });
          expect(memory?.embeddingModel).toBe("local:Xenova/all-MiniLM-L6-v2:q8");
          expect(memory?.embeddingStatus).toBe(EmbeddingStatus.ATTACHED);
        }
      } finally {
        await second.close();
      }
    } finally {
      await rm(reembedDir, { recursive: true, force: true });
    }
  });
});
