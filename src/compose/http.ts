import { readFile } from "node:fs/promises";
import type { Registry } from "prom-client";
import type { ApiHandlers } from "../api-handlers.js";
import type { Config } from "../config.js";
import { CONSOLE_DIR, OPENAPI_DOCUMENT } from "../generated-files.js";
import { readConsoleSite } from "../server/console.js";
import { withCors } from "../server/cors.js";
import { httpHandler } from "../server/http.js";
import { listen, type ConnectionTimeouts, type Listener } from "../server/listener.js";
import { readOpenApi } from "../server/rest/openapi-document.js";

export interface HttpOptions {
  handlers: ApiHandlers;
  isReady: () => Promise<boolean>;
  /** Whether writes are refused for want of disk space. */
  writesRefused: () => boolean;
  metrics: Registry;
  /** Replaces the production connection timeouts (tests shorten them). */
  timeouts?: ConnectionTimeouts;
}

/** Every endpoint on the configured address: the API, OpenAPI, health, metrics and the console; TLS when configured. */
export async function listenHttp(config: Config, o: HttpOptions): Promise<Listener & { tls: boolean }> {
  const tls =
    config.tlsCert !== undefined && config.tlsKey !== undefined
      ? { cert: await readFile(config.tlsCert, "utf8"), key: await readFile(config.tlsKey, "utf8") }
      : undefined;
  const handler = httpHandler({
    ...o.handlers,
    openapi: await readOpenApi(OPENAPI_DOCUMENT),
    isReady: o.isReady,
    writesRefused: o.writesRefused,
    metrics: o.metrics,
    metricsToken: config.metricsToken,
    console: await readConsoleSite(CONSOLE_DIR),
  });
  const listener = await listen(withCors(handler, config.corsOrigins), {
    host: config.host,
    port: config.port,
    tls,
    timeouts: o.timeouts,
  });
  return { port: listener.port, close: (graceMs) => listener.close(graceMs), tls: tls !== undefined };
}
