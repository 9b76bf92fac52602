import type { Logger } from "pino";
import { ENGRAM_VERSION } from "../version.js";
import { tracingSettings, type SamplerSetting, type TracingSettings } from "./otel-environment.js";
import { setTracing } from "./spans.js";

/** Tracing as started: stop() exports what is still buffered, then turns it off. */
export interface Tracing {
  readonly enabled: boolean;
  stop(): Promise<void>;
}

const OFF: Tracing = { enabled: false, stop: async () => {} };

/**
 * Starts exporting traces when the OTEL_* environment asks for it (otel-environment.ts), else
 * returns at once without loading the SDK. Throws TracingSettingError for a setting it cannot honour.
 */
export async function startTracing(env: Record<string, string | undefined>, logger: Logger): Promise<Tracing> {
  const settings = tracingSettings(env);
  if (settings === null) return OFF;
  const [
    { context, propagation, trace, diag, DiagLogLevel },
    sdk,
    { AsyncLocalStorageContextManager },
    core,
    resources,
  ] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/sdk-trace"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/resources"),
  ]);
  // The SDK's own complaints (an unreachable collector) go to the log, at most as warnings.
  diag.setLogger(
    {
      error: (message) => logger.warn({ component: "opentelemetry" }, message),
      warn: (message) => logger.warn({ component: "opentelemetry" }, message),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  const resource = resources
    .defaultResource()
    .merge(resources.resourceFromAttributes({ "service.name": "engram", "service.version": ENGRAM_VERSION }))
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const processors = await Promise.all(
    settings.exporters.map(async (name) =>
      name === "console"
        ? new sdk.SimpleSpanProcessor({ exporter: new sdk.ConsoleSpanExporter() })
        : new sdk.BatchSpanProcessor({ exporter: await otlpExporter(settings), ...settings.batch }),
    ),
  );
  const provider = new sdk.TracerProvider({
    resource,
    sampler: samplerOf(sdk, settings.sampler),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);
  setTracing(true);
  logger.info({ exporters: settings.exporters, protocol: settings.protocol }, "tracing on (OpenTelemetry)");
  return {
    enabled: true,
    async stop() {
      setTracing(false);
      await provider.shutdown();
    },
  };
}

/** The OTLP exporter for the protocol; each reads its endpoint, headers, timeout and compression from OTEL_*. */
async function otlpExporter(settings: TracingSettings) {
  switch (settings.protocol) {
    case "grpc":
      return new (await import("@opentelemetry/exporter-trace-otlp-grpc")).OTLPTraceExporter();
    case "http/json":
      return new (await import("@opentelemetry/exporter-trace-otlp-http")).OTLPTraceExporter();
    case "http/protobuf":
      return new (await import("@opentelemetry/exporter-trace-otlp-proto")).OTLPTraceExporter();
  }
}

function samplerOf(sdk: typeof import("@opentelemetry/sdk-trace"), setting: SamplerSetting) {
  const simple = (kind: "always_on" | "always_off" | "traceidratio", ratio: number) =>
    kind === "always_on"
      ? new sdk.AlwaysOnSampler()
      : kind === "always_off"
        ? new sdk.AlwaysOffSampler()
        : new sdk.TraceIdRatioBasedSampler(ratio);
  if (setting.kind === "parentbased") return new sdk.ParentBasedSampler({ root: simple(setting.root, setting.ratio) });
  return simple(setting.kind, setting.kind === "traceidratio" ? setting.ratio : 1);
}
