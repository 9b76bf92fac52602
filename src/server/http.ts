import { createHash, timingSafeEqual } from "node:crypto";
import type http from "node:http";
import type http2 from "node:http2";
import type { Registry } from "prom-client";
import { bearerToken } from "../api/authentication.js";
import type { RequestHandler } from "../api/request-handler.js";
import { inRequestContext } from "../telemetry/spans.js";
import { serveConsole, type ConsoleSite } from "./console.js";
import type { SeedGateway } from "./seed-gateway.js";

export interface HttpEndpoints {
  connect: RequestHandler;
  rest: RequestHandler;
  mcp: RequestHandler;
  /** The other memory APIs' routes, matched before the REST gateway (Penumbra's is under /v1/). */
  seeds: SeedGateway;
  /** The OpenAPI document of the REST routes, served as is. */
  openapi: string;
  isReady: () => Promise<boolean>;
  /** Whether writes are refused for want of disk space: still ready, since reads are served. */
  writesRefused?: () => boolean;
  metrics: Registry;
  /** When set, /metrics answers only `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string | undefined;
  /** The web console, at / and its flat file names. */
  console: ConsoleSite;
}

/**
 * Plain HTTP endpoints for probes, scrapers and API discovery, the other memory APIs' routes,
 * the REST gateway under /v1/, MCP at /mcp, the web console at /, and everything else to the
 * Connect router (whose paths are /package.Service/Method).
 */
export function httpHandler(endpoints: HttpEndpoints): RequestHandler {
  const {
    connect,
    rest,
    mcp,
    seeds,
    openapi,
    isReady,
    writesRefused,
    metrics,
    metricsToken,
    console: site,
  } = endpoints;
  const scraperAllowed = metricsGate(metricsToken);
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (req.method === "GET" && path === "/healthz") return reply(res, 200, "text/plain", "ok\n");
    if (req.method === "GET" && path === "/readyz") {
      void isReady().then(
        (ready) =>
          reply(res, ready ? 200 : 503, "text/plain", ready ? readyBody(writesRefused?.() ?? false) : "not ready\n"),
        () => reply(res, 503, "text/plain", "not ready\n"),
      );
      return;
    }
    if (req.method === "GET" && path === "/metrics") {
      if (!scraperAllowed(req.headers.authorization)) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        return reply(res, 401, "text/plain", "unauthorized: /metrics needs the metrics token\n");
      }
      void metrics.metrics().then((body) => reply(res, 200, metrics.contentType, body));
      return;
    }
    if (req.method === "GET" && path === "/openapi.json") return reply(res, 200, "application/json", openapi);
    if (seeds.serves(path)) return inRequestContext(req.headers, "seed", () => seeds.handler(req, res));
    if (path.startsWith("/v1/") || path === "/v1") return inRequestContext(req.headers, "rest", () => rest(req, res));
    if (path === "/mcp") return inRequestContext(req.headers, "mcp", () => mcp(req, res));
    if (serveConsole(site, req, res, path)) return;
    inRequestContext(req.headers, rpcTransport(req.headers["content-type"]), () => connect(req, res));
  };
}

/** Which of the three protocols on the Connect router a request speaks, by its content type. */
function rpcTransport(contentType: string | undefined): string {
  if (contentType?.startsWith("application/grpc-web")) return "grpc_web";
  return contentType?.startsWith("application/grpc") ? "grpc" : "connect";
}

/** Whether an Authorization header may scrape: any, without a token; else exactly `Bearer <token>`. */
function metricsGate(token: string | undefined): (authorization: string | undefined) => boolean {
  if (token === undefined) return () => true;
  // Compared as digests, in constant time: the token's length and prefix leak nothing.
  const expected = createHash("sha256").update(token).digest();
  return (authorization) => {
    const given = bearerToken(authorization);
    return given !== null && timingSafeEqual(createHash("sha256").update(given).digest(), expected);
  };
}

function readyBody(writesRefused: boolean): string {
  return writesRefused ? "ready, read-only: free disk space is below the reserve, writes are refused\n" : "ready\n";
}

function reply(
  res: http.ServerResponse | http2.Http2ServerResponse,
  status: number,
  contentType: string,
  body: string,
) {
  (res as http.ServerResponse).writeHead(status, { "content-type": contentType }).end(body);
}
