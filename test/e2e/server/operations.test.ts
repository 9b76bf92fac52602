import { once } from "node:events";
import { readFile, rm, stat } from "node:fs/promises";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { memoryClient } from "../../support/clients.js";
import { keyFor, parseLogLine, runEngram, spawnEngram, type EngramProcess } from "../../support/engram-process.js";
import { newDataDir } from "../../support/templates.js";
import { ENGRAM_VERSION } from "../../../src/version.js";

/** Runs the CLI to completion; a mistaken start must not touch a real database. */
const cli = (args: string[], env: Record<string, string> = {}) => runEngram(args, { ...env, DATABASE_URL: undefined });

const tempDirs: string[] = [];
const processes: EngramProcess[] = [];
/** A data directory holding a migrated database (a copy: no initdb per server), or an empty one. */
async function tempDir(options: { migrated?: boolean } = {}): Promise<string> {
  const dir = await newDataDir("engram-ops-", options);
  tempDirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.kill()));
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function spawn(options: Parameters<typeof spawnEngram>[0]): Promise<EngramProcess> {
  const p = await spawnEngram(options);
  processes.push(p);
  return p;
}

describe("engram serve: flags and environment", () => {
  const options: Array<[flag: string, env: string, shownDefault?: string]> = [
    ["--host <host>", "ENGRAM_HOST", '"0.0.0.0"'],
    ["--port <port>", "ENGRAM_PORT", "8080"],
    ["--database-url <url>", "DATABASE_URL"],
    ["--data-dir <dir>", "ENGRAM_DATA_DIR", '".data"'],
    ["--storage-reserve-mb <MiB>", "ENGRAM_STORAGE_RESERVE_MB", "256"],
    ["--api-key <key>", "ENGRAM_API_KEY"],
    ["--tls-cert <file>", "ENGRAM_TLS_CERT"],
    ["--tls-key <file>", "ENGRAM_TLS_KEY"],
    ["--rate-limit <n>", "ENGRAM_RATE_LIMIT", "1000"],
    ["--retention-days <n>", "ENGRAM_RETENTION_DAYS", "30"],
    ["--sweep-interval <seconds>", "ENGRAM_SWEEP_INTERVAL", "300"],
    ["--shutdown-grace <seconds>", "ENGRAM_SHUTDOWN_GRACE", "10"],
    ["--db-pool-size <n>", "ENGRAM_DB_POOL_SIZE", "10"],
    ["--log-level <level>", "ENGRAM_LOG_LEVEL", '"info"'],
    ["--metrics-token <token>", "ENGRAM_METRICS_TOKEN"],
    ["--metrics-count-interval <seconds>", "ENGRAM_METRICS_COUNT_INTERVAL", "60"],
  ];

  /** The help's option entries, each with its wrapped lines joined: flags -> description. */
  function helpEntries(help: string): Map<string, string> {
    const entries = new Map<string, string>();
    let current: string | undefined;
    for (const line of help.split("\n")) {
      const start = /^ {2}(-\S.*?)(?: {2,}(.*))?$/.exec(line);
      if (start) {
        current = start[1]!.trim();
        entries.set(current, start[2] ?? "");
      } else if (current !== undefined && /^ {4,}\S/.test(line)) {
        entries.set(current, `${entries.get(current)} ${line.trim()}`);
      } else {
        current = undefined;
      }
    }
    return entries;
  }

  it("--help lists every option with its environment variable and default", async () => {
    const { code, stdout } = await cli(["serve", "--help"]);
    expect(code).toBe(0);
    const entries = helpEntries(stdout);
    for (const [flag, env, shownDefault] of options) {
      const description = entries.get(flag);
      expect(description, flag).toBeDefined();
      expect(description, flag).toContain(`env: ${env})`);
      if (shownDefault) expect(description, flag).toContain(`default: ${shownDefault}`);
    }
    // Options added later get an environment variable too.
    for (const [flag, description] of entries) {
      if (flag !== "-h, --help") expect(description, flag).toMatch(/\(.*env: [A-Z][A-Z0-9_]*\)$/);
    }
  });

  const portRange = "expected a whole number from 0 to 65535";
  const invalid: Array<[label: string, args: string[], env: Record<string, string>, message: string]> = [
    ["--port abc", ["--port", "abc"], {}, `option '--port <port>' argument 'abc' is invalid. ${portRange}`],
    ["--port 65536", ["--port", "65536"], {}, `option '--port <port>' argument '65536' is invalid. ${portRange}`],
    ["--port=-1", ["--port=-1"], {}, `option '--port <port>' argument '-1' is invalid. ${portRange}`],
    ["--port 1e3", ["--port", "1e3"], {}, `option '--port <port>' argument '1e3' is invalid. ${portRange}`],
    ["ENGRAM_PORT=http", [], { ENGRAM_PORT: "http" }, `value 'http' from env 'ENGRAM_PORT' is invalid. ${portRange}`],
    ["--log-level loud", ["--log-level", "loud"], {}, "option '--log-level <level>' argument 'loud' is invalid."],
    [
      "--content-extraction maybe",
      ["--content-extraction", "maybe"],
      {},
      "option '--content-extraction <on|off>' argument 'maybe' is invalid. Allowed choices are on, off.",
    ],
    [
      "ENGRAM_STORAGE_RESERVE_MB=1G",
      [],
      { ENGRAM_STORAGE_RESERVE_MB: "1G" },
      "value '1G' from env 'ENGRAM_STORAGE_RESERVE_MB' is invalid. expected a whole number from 0 to 1048576",
    ],
  ];
  it.each(invalid)("%s exits non-zero with a clear message, before opening anything", async (_, args, env, message) => {
    const dataDir = join(await tempDir({ migrated: false }), "never-created");
    const { code, stderr } = await cli(["serve", "--data-dir", dataDir, ...args], env);
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
    await expect(stat(dataDir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("ENGRAM_CONTENT_EXTRACTION=off reaches the writes: the content names no entity", async () => {
    const dataDir = await tempDir();
    const server = await spawn({ dataDir, env: { DATABASE_URL: undefined, ENGRAM_CONTENT_EXTRACTION: "off" } });
    const { memory } = await memoryClient(server.baseUrl, await keyFor(dataDir, undefined)).writeMemory({
      memory: {
        subjectType: "account",
        subjectId: "acme",
        kind: "note",
        content: "John Smith is the CTO of Acme Corp.",
      },
    });
    expect(memory?.mentions.map((m) => `${m.entity?.type}/${m.entity?.id}`)).toEqual(["account/acme"]);
  });

  it("a port already taken ends the process with one structured fatal line", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await cli([
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--data-dir",
        await tempDir(),
      ]);
      expect(code).toBe(1);
      const lines = stderr.trim().split("\n").map(parseLogLine);
      expect(lines.every((l) => l !== undefined)).toBe(true);
      expect(lines.at(-1)).toMatchObject({ level: 60, msg: "engram failed to start", err: { code: "EADDRINUSE" } });
    } finally {
      blocker.close();
    }
  });
});

describe("engram serve: malloc arenas", () => {
  /** A variable of a running process's environment, as the kernel holds it. */
  const environOf = async (pid: number, name: string) =>
    (await readFile(`/proc/${pid}/environ`, "utf8")).split("\0").find((v) => v.startsWith(`${name}=`));

  it("serves with two malloc arenas, in the process it was started as, unless the environment says otherwise", async () => {
    const [defaulted, chosen] = await Promise.all([
      spawn({ dataDir: await tempDir(), env: { MALLOC_ARENA_MAX: undefined, DATABASE_URL: undefined } }),
      spawn({ dataDir: await tempDir(), env: { MALLOC_ARENA_MAX: "8", DATABASE_URL: undefined } }),
    ]);
    expect(await environOf(defaulted.child.pid!, "MALLOC_ARENA_MAX")).toBe("MALLOC_ARENA_MAX=2");
    expect(await environOf(chosen.child.pid!, "MALLOC_ARENA_MAX")).toBe("MALLOC_ARENA_MAX=8");
  });
});

describe("structured logs", () => {
  it("every stderr line is JSON with level and msg, from first start (admin key) to per-call debug lines", async () => {
    const dataDir = await tempDir({ migrated: false });
    // First start on a fresh embedded database: the bootstrap admin key is announced.
    const server = await spawn({ dataDir, env: { DATABASE_URL: undefined }, args: ["--log-level", "debug"] });
    const client = memoryClient(server.baseUrl, await keyFor(dataDir, undefined));
    await client.writeMemory({
      memory: { subjectType: "contact", subjectId: "logs", kind: "note", content: "logged" },
    });
    const rpc = await server.waitForLog("rpc");

    expect(rpc).toMatchObject({ level: 20, method: "engram.v1.MemoryService/WriteMemory", code: "ok" });
    const lines = server.stderrLines.filter((l) => l.trim() !== "");
    for (const line of lines) {
      const entry = parseLogLine(line);
      expect(entry, line).toMatchObject({
        level: expect.any(Number),
        msg: expect.any(String),
        time: expect.any(Number),
      });
    }
    const messages = lines.map((l) => parseLogLine(l)!.msg);
    expect(messages).toEqual(expect.arrayContaining(["database ready, migrations applied", "engram listening"]));
    // Which build answered, in the line an operator looks for first.
    const listening = lines.map(parseLogLine).find((l) => l?.msg === "engram listening");
    expect(listening).toMatchObject({ version: ENGRAM_VERSION, port: expect.any(Number) });
    const adminKey = lines.map(parseLogLine).find((l) => typeof l?.adminKeyFile === "string");
    expect(adminKey).toMatchObject({ level: 40, workspace: "default", adminKeyFile: join(dataDir, "admin.key") });
  });
});

/** A request whose headers the server has accepted (100 Continue) while its body is held back. */
interface HeldRequest {
  send(body: string): Promise<{ status: number; body: string }>;
}

async function heldH1Request(
  agent: http.Agent,
  baseUrl: string,
  path: string,
  headers: Record<string, string>,
): Promise<HeldRequest> {
  const req = http.request(`${baseUrl}${path}`, {
    method: "POST",
    agent,
    headers: { ...headers, expect: "100-continue" },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  response.catch(() => undefined); // awaited by send(); a test failing earlier must not leave it unhandled
  await once(req, "continue");
  return {
    send(body) {
      req.end(body);
      return response;
    },
  };
}

async function heldH2Request(
  session: http2.ClientHttp2Session,
  path: string,
  headers: Record<string, string>,
): Promise<HeldRequest> {
  const stream = session.request(
    { ":method": "POST", ":path": path, ...headers, expect: "100-continue" },
    { endStream: false },
  );
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    let status = 0;
    let body = "";
    stream.on("response", (h) => (status = Number(h[":status"])));
    stream.setEncoding("utf8").on("data", (c: string) => (body += c));
    stream.on("end", () => resolve({ status, body }));
    stream.on("error", reject);
  });
  response.catch(() => undefined);
  await once(stream, "continue");
  return {
    send(body) {
      stream.end(body);
      return response;
    },
  };
}

/** Connects once: "ECONNREFUSED" (or another error code) when nothing accepts, else "connected". */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/**
 * The shutdown log line is written just before the listening socket closes, and on a busy
 * machine a client reading it can still connect in between: retry for a little while.
 */
async function refusesConnections(port: number): Promise<boolean> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await tryConnect(port)) === "ECONNREFUSED") return true;
    await sleep(20);
  }
  return false;
}

function batchOf100(subjectId: string): string {
  const requests = Array.from({ length: 100 }, (_, i) => ({
    memory: { subjectType: "contact", subjectId, kind: "note", content: `in-flight item ${i}` },
  }));
  return JSON.stringify({ requests });
}

describe("graceful shutdown", () => {
  it("on SIGTERM refuses new connections, finishes in-flight batch writes on HTTP/1.1 and h2c, and exits 0", async () => {
    const dataDir = await tempDir();
    const server = await spawn({ dataDir });
    const database = process.env.DATABASE_URL ? "postgres" : "pglite";
    expect(await server.waitForLog("database ready, migrations applied")).toMatchObject({ database });
    const key = await keyFor(dataDir, process.env.DATABASE_URL);
    const headers = { "content-type": "application/json", authorization: `Bearer ${key}` };
    const path = "/engram.v1.MemoryService/BatchWriteMemories";

    // One HTTP/1.1 keep-alive connection and one h2c session, both already used once.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const session = http2.connect(server.baseUrl);
    session.on("error", () => undefined);
    try {
      const warmH1 = await heldH1Request(agent, server.baseUrl, "/grpc.health.v1.Health/Check", headers);
      expect((await warmH1.send("{}")).status).toBe(200);
      const warmH2 = await heldH2Request(session, "/grpc.health.v1.Health/Check", headers);
      expect((await warmH2.send("{}")).status).toBe(200);

      // The server is now running both handlers, waiting for the bodies.
      const inFlight = [
        { subjectId: "shutdown-h1", request: await heldH1Request(agent, server.baseUrl, path, headers) },
        { subjectId: "shutdown-h2", request: await heldH2Request(session, path, headers) },
      ];
      server.child.kill("SIGTERM");
      await server.waitForLog("shutting down");
      expect(await refusesConnections(server.port)).toBe(true);

      for (const { subjectId, request } of inFlight) {
        const res = await request.send(batchOf100(subjectId));
        expect(res.status, res.body).toBe(200);
        const { results } = JSON.parse(res.body) as { results: Array<{ response?: { outcome: string } }> };
        expect(results).toHaveLength(100);
        expect(results.every((r) => r.response?.outcome === "WRITE_OUTCOME_CREATED")).toBe(true);
      }
      expect(await server.exited).toEqual({ code: 0, signal: null });
    } finally {
      agent.destroy();
      session.destroy();
    }
    expect(await tryConnect(server.port)).toBe("ECONNREFUSED");
    const messages = server.stderrLines.filter((l) => l.trim() !== "").map((l) => parseLogLine(l)?.msg);
    expect(messages).not.toContain(undefined);

    // Both batches were committed before the database closed.
    const restarted = await spawn({ dataDir });
    const client = memoryClient(restarted.baseUrl, key);
    for (const subjectId of ["shutdown-h1", "shutdown-h2"]) {
      const { memories } = await client.listMemories({ filter: { subjectType: "contact", subjectId }, pageSize: 500 });
      expect(memories, subjectId).toHaveLength(100);
    }
  });
});
