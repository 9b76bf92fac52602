import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { Counter, Histogram, type Registry } from "prom-client";
import { settledOnFirstMessage } from "./first-message.js";

/** Logs every call and records its duration and outcome in Prometheus metrics. */
export function observabilityInterceptor(logger: Logger, registry: Registry): Interceptor {
  const duration = new Histogram({
    name: "engram_rpc_duration_seconds",
    help: "RPC handling time, until the response (or the first stream message) is ready",
    labelNames: ["method", "code"],
    registers: [registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  const calls = new Counter({
    name: "engram_rpc_total",
    help: "RPCs handled, by method and status code",
    labelNames: ["method", "code"],
    registers: [registry],
  });
  return (next) => async (req) => {
    const started = process.hrtime.bigint();
    const method = `${req.service.typeName}/${req.method.name}`;
    const finish = (code: string) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      duration.observe({ method, code }, seconds);
      calls.inc({ method, code });
      logger.debug({ method, code, ms: Math.round(seconds * 1e4) / 10 }, "rpc");
    };
    const codeOf = (err: unknown) => (err instanceof ConnectError ? Code[err.code] : "Internal").toLowerCase();
    try {
      const res = await next(req);
      if (res.stream) return settledOnFirstMessage(res, (err) => finish(err === undefined ? "ok" : codeOf(err)));
      finish("ok");
      return res;
    } catch (err) {
      finish(codeOf(err));
      throw err;
    }
  };
}
