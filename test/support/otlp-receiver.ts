import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";
import { repoRoot } from "./engram-process.js";

/** A span as the receiver decoded it: ids in hex, attributes as plain values. */
export interface ReceivedSpan {
  protocol: "http/protobuf" | "http/json" | "grpc";
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  /** OTLP's status code: 0 unset, 1 ok, 2 error. */
  status: number;
  resource: Record<string, unknown>;
}

export interface ReceivedRequest {
  protocol: "http" | "grpc";
  path: string;
  contentType: string;
  /** The x-test-header a request carried (set through OTEL_EXPORTER_OTLP_HEADERS), or null. */
  testHeader: string | null;
}

export interface OtlpReceiver {
  /** OTLP/HTTP's base URL (the exporter adds /v1/traces) and OTLP/gRPC's. */
  httpEndpoint: string;
  grpcEndpoint: string;
  spans: ReceivedSpan[];
  requests: ReceivedRequest[];
  /** Resolves with the spans once `done` holds for them; rejects after `timeoutMs`. */
  waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/**
 * Starts test/support/otlp/receiver.py, a real OTLP endpoint (HTTP and gRPC) that decodes each
 * export with the OpenTelemetry project's generated classes, in the repository's Python venv
 * (scripts/setup-python.sh).
 */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const python = join(repoRoot, ".tools/venv/bin/python");
  const child = spawn(python, ["-B", join(repoRoot, "test/support/otlp/receiver.py")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const spans: ReceivedSpan[] = [];
  const requests: ReceivedRequest[] = [];
  const changed: (() => void)[] = [];
  const ports = new Promise<{ http: number; grpc: number }>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the OTLP receiver exited (${code}) before it listened`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = JSON.parse(line) as {
        ports?: { http: number; grpc: number };
        span?: ReceivedSpan;
        request?: ReceivedRequest;
      };
      if (event.ports) resolve(event.ports);
      if (event.span) spans.push(event.span);
      if (event.request) requests.push(event.request);
      for (const wake of changed.splice(0)) wake();
    });
  });
  const { http, grpc } = await ports;
  return {
    httpEndpoint: `http://127.0.0.1:${http}`,
    grpcEndpoint: `http://127.0.0.1:${grpc}`,
    spans,
    requests,
    async waitFor(done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(spans)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`spans still not as expected after ${timeoutMs} ms: ${names(spans)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          changed.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return spans;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

function names(spans: ReceivedSpan[]): string {
  return spans.length === 0 ? "none" : [...new Set(spans.map((s) => s.name))].join(", ");
}
