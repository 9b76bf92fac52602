import { execFile } from "node:child_process";
import http from "node:http";
import http2 from "node:http2";
import { promisify } from "node:util";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configFrom, serveOptions, type Config } from "../../../src/config.js";
import { startTestServer, type TestServer } from "../../support/server.js";

const run = promisify(execFile);

const ALLOWED = "http://app.example.test:5173";
const ALSO_ALLOWED = "https://admin.example.test";
const DISALLOWED = "https://evil.example.test";
const LIST = "/engram.v1.MemoryService/ListMemories";

let allowing: TestServer;
let anyOrigin: TestServer;
let plain: TestServer;
beforeAll(async () => {
  allowing = await startTestServer({ corsOrigins: [ALLOWED, ALSO_ALLOWED] });
  anyOrigin = await startTestServer({ corsOrigins: ["*"] });
  plain = await startTestServer();
});
afterAll(async () => {
  await Promise.all([allowing?.close(), anyOrigin?.close(), plain?.close()]);
});

type Http = "HTTP/1.1" | "h2c";

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request over a fresh connection, with exactly the headers given (Origin included). */
async function send(
  version: Http,
  server: TestServer,
  init: { method: string; path: string; headers: Record<string, string>; body?: string },
): Promise<Reply> {
  const flatten = (headers: http.IncomingHttpHeaders) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
  if (version === "HTTP/1.1") {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: "127.0.0.1", port: server.port, method: init.method, path: init.path, headers: init.headers },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve({ status: res.statusCode!, headers: flatten(res.headers), body }));
        },
      );
      req.on("error", reject).end(init.body);
    });
  }
  const session = http2.connect(server.baseUrl);
  try {
    return await new Promise<Reply>((resolve, reject) => {
      session.on("error", reject);
      const stream = session.request({ ":method": init.method, ":path": init.path, ...init.headers });
      let headers: http2.IncomingHttpHeaders = {};
      let body = "";
      stream.on("response", (h) => (headers = h));
      stream.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      stream.on("end", () => {
        const { ":status": status, ...rest } = headers;
        resolve({ status: Number(status), headers: flatten(rest), body });
      });
      stream.on("error", reject).end(init.body);
    });
  } finally {
    session.close();
  }
}

const preflight = (origin: string, method = "POST") => ({
  method: "OPTIONS",
  path: LIST,
  headers: {
    origin,
    "access-control-request-method": method,
    "access-control-request-headers": "authorization,connect-protocol-version,content-type",
  },
});

const connectList = (origin: string | undefined, key: string | undefined) => ({
  method: "POST",
  path: LIST,
  headers: {
    ...(origin === undefined ? {} : { origin }),
    "content-type": "application/json",
    "connect-protocol-version": "1",
    ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
  },
  body: "{}",
});

const corsHeaders = (reply: Reply) => Object.keys(reply.headers).filter((name) => name.startsWith("access-control-"));
const list = (value: string | undefined) => (value ?? "").split(",").map((item) => item.trim().toLowerCase());

describe.each<Http>(["HTTP/1.1", "h2c"])("CORS over %s", (version) => {
  it("answers a preflight from an allowed origin without credentials", async () => {
    for (const origin of [ALLOWED, ALSO_ALLOWED]) {
      const reply = await send(version, allowing, preflight(origin));
      expect(reply.status).toBe(204);
      expect(reply.headers["access-control-allow-origin"]).toBe(origin);
      expect(list(reply.headers["vary"])).toContain("origin");
      expect(list(reply.headers["access-control-allow-methods"])).toEqual(
        expect.arrayContaining(["post", "get", "patch", "delete"]),
      );
      expect(list(reply.headers["access-control-allow-headers"])).toEqual(
        expect.arrayContaining([
          "authorization",
          "content-type",
          "connect-protocol-version",
          "connect-timeout-ms",
          "x-grpc-web",
          "x-user-agent",
          "grpc-timeout",
        ]),
      );
      expect(list(reply.headers["access-control-expose-headers"])).toEqual(
        expect.arrayContaining(["grpc-status", "grpc-message", "grpc-status-details-bin"]),
      );
      expect(reply.headers["access-control-max-age"]).toBe("7200");
    }
  });

  it("gives a disallowed origin no CORS headers, on preflights and calls alike", async () => {
    const refused = await send(version, allowing, preflight(DISALLOWED));
    expect(refused.status).not.toBe(204);
    expect(corsHeaders(refused)).toEqual([]);

    // The server still answers; it is the browser that withholds the response from the page.
    const call = await send(version, allowing, connectList(DISALLOWED, allowing.adminKey));
    expect(call.status).toBe(200);
    expect(corsHeaders(call)).toEqual([]);
  });

  it("lets an allowed origin read Connect responses, errors included", async () => {
    const ok = await send(version, allowing, connectList(ALLOWED, allowing.adminKey));
    expect(ok.status).toBe(200);
    // An empty workspace lists nothing but still says where a watcher would take over.
    expect(JSON.parse(ok.body)).toEqual({ watchCursor: "0" });
    expect(ok.headers["access-control-allow-origin"]).toBe(ALLOWED);
    expect(list(ok.headers["access-control-expose-headers"])).toContain("grpc-status");

    const unauthenticated = await send(version, allowing, connectList(ALLOWED, undefined));
    expect(unauthenticated.status).toBe(401);
    expect(JSON.parse(unauthenticated.body)).toMatchObject({ code: "unauthenticated" });
    expect(unauthenticated.headers["access-control-allow-origin"]).toBe(ALLOWED);
  });

  it('allows every origin with "*"', async () => {
    const reply = await send(version, anyOrigin, preflight(DISALLOWED, "DELETE"));
    expect(reply.status).toBe(204);
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
    const call = await send(version, anyOrigin, connectList(DISALLOWED, anyOrigin.adminKey));
    expect(call.status).toBe(200);
    expect(call.headers["access-control-allow-origin"]).toBe("*");
  });

  it("sends no CORS headers by default", async () => {
    const refused = await send(version, plain, preflight(ALLOWED));
    expect(refused.status).not.toBe(204);
    expect(corsHeaders(refused)).toEqual([]);
    const call = await send(version, plain, connectList(ALLOWED, plain.adminKey));
    expect(call.status).toBe(200);
    expect(corsHeaders(call)).toEqual([]);
  });

  it("leaves requests without an Origin header alone", async () => {
    const call = await send(version, anyOrigin, connectList(undefined, anyOrigin.adminKey));
    expect(call.status).toBe(200);
    expect(corsHeaders(call)).toEqual([]);
  });
});

/** Parses `engram serve` arguments in-process; parse errors are thrown instead of exiting. */
function parseServe(args: string[], env: Record<string, string> = {}): Config {
  const command = new Command("serve").exitOverride().configureOutput({ writeErr: () => {} });
  for (const option of serveOptions()) command.addOption(option);
  const saved = Object.keys(env).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, env);
  try {
    command.parse(args, { from: "user" });
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  return configFrom(command);
}

describe("--cors-origins / ENGRAM_CORS_ORIGINS", () => {
  it("is empty unless set", () => {
    expect(parseServe([]).corsOrigins).toEqual([]);
    expect(parseServe([], { ENGRAM_CORS_ORIGINS: "" }).corsOrigins).toEqual([]);
  });

  it("takes a comma-separated list of origins and *", () => {
    expect(parseServe(["--cors-origins", `${ALLOWED}, ${ALSO_ALLOWED}`]).corsOrigins).toEqual([ALLOWED, ALSO_ALLOWED]);
    expect(parseServe([], { ENGRAM_CORS_ORIGINS: "*" }).corsOrigins).toEqual(["*"]);
    expect(parseServe(["--cors-origins", "http://[::1]:8080,"]).corsOrigins).toEqual(["http://[::1]:8080"]);
  });

  it.each([
    ["https://app.example.test/", "did you mean https://app.example.test?"],
    ["https://app.example.test/path", "did you mean https://app.example.test?"],
    ["HTTPS://App.Example.test", "did you mean https://app.example.test?"],
    ["https://app.example.test:443", "did you mean https://app.example.test?"],
    ["app.example.test", 'not "*" or an origin like https://host[:port]'],
    ["ftp://files.example.test", 'not "*" or an origin like https://host[:port]'],
    ["*.example.test", 'not "*" or an origin like https://host[:port]'],
  ])("rejects %s", (origin, message) => {
    const parse = () => parseServe(["--cors-origins", `${ALLOWED},${origin}`]);
    expect(parse).toThrow(CommanderError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(`"${origin}"`);
  });

  it("stops `engram serve` before it starts", async () => {
    const env = { ...process.env, ENGRAM_CORS_ORIGINS: "https://app.example.test/" };
    const failed = await run(process.execPath, ["bin/engram.js", "serve", "--port", "0"], {
      env,
      timeout: 60_000,
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('"https://app.example.test/" is not "*" or an origin like https://host[:port]');
  });
});
