/**
 * Tracing's configuration, read from the standard OpenTelemetry environment variables
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/). Off unless
 * asked for: OTEL_TRACES_EXPORTER names an exporter, or an OTLP endpoint is set. The exporters read
 * their own endpoint, headers, timeout, compression and certificates; this reads the rest, which
 * the SDK leaves to its caller.
 */
export type OtlpProtocol = "http/protobuf" | "http/json" | "grpc";
export type SamplerSetting =
  | { kind: "always_on" | "always_off" }
  | { kind: "traceidratio"; ratio: number }
  | { kind: "parentbased"; root: "always_on" | "always_off" | "traceidratio"; ratio: number };

export interface TracingSettings {
  exporters: ("otlp" | "console")[];
  protocol: OtlpProtocol;
  sampler: SamplerSetting;
  batch: {
    scheduledDelayMillis: number;
    exportTimeoutMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
}

/** A setting that cannot be used as given: the server refuses to start rather than trace otherwise than asked. */
export class TracingSettingError extends Error {
  override readonly name = "TracingSettingError";
}

type Environment = Record<string, string | undefined>;

const PROTOCOLS: readonly OtlpProtocol[] = ["http/protobuf", "http/json", "grpc"];
const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

/** The settings, or null when tracing is off. */
export function tracingSettings(env: Environment): TracingSettings | null {
  if (value(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return null;
  const exporters = exportersOf(env);
  if (exporters.length === 0) return null;
  return { exporters, protocol: protocolOf(env), sampler: samplerOf(env), batch: batchOf(env) };
}

function exportersOf(env: Environment): TracingSettings["exporters"] {
  const named = value(env, "OTEL_TRACES_EXPORTER");
  if (named === undefined) {
    const endpoint = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ?? value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
    return endpoint === undefined ? [] : ["otlp"];
  }
  const names = [...new Set(named.split(",").map((name) => name.trim().toLowerCase()))].filter((n) => n !== "");
  if (names.includes("none")) return [];
  return names.map((name) => {
    if (name === "otlp" || name === "console") return name;
    throw new TracingSettingError(`OTEL_TRACES_EXPORTER: "${name}" is not supported here (otlp, console or none)`);
  });
}

function protocolOf(env: Environment): OtlpProtocol {
  const named = value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? value(env, "OTEL_EXPORTER_OTLP_PROTOCOL");
  if (named === undefined) return "http/protobuf";
  const protocol = PROTOCOLS.find((p) => p === named.toLowerCase());
  if (protocol === undefined) {
    throw new TracingSettingError(`OTEL_EXPORTER_OTLP_PROTOCOL: "${named}" is not one of ${PROTOCOLS.join(", ")}`);
  }
  return protocol;
}

function samplerOf(env: Environment): SamplerSetting {
  const named = value(env, "OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on";
  const sampler = SAMPLERS.find((s) => s === named);
  if (sampler === undefined) {
    throw new TracingSettingError(`OTEL_TRACES_SAMPLER: "${named}" is not one of ${SAMPLERS.join(", ")}`);
  }
  const ratio = sampler.endsWith("traceidratio") ? ratioOf(env) : 1;
  if (sampler === "always_on" || sampler === "always_off") return { kind: sampler };
  if (sampler === "traceidratio") return { kind: sampler, ratio };
  const root = sampler.slice("parentbased_".length) as "always_on" | "always_off" | "traceidratio";
  return { kind: "parentbased", root, ratio };
}

function ratioOf(env: Environment): number {
  const given = value(env, "OTEL_TRACES_SAMPLER_ARG");
  if (given === undefined) return 1;
  const ratio = Number(given);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new TracingSettingError(`OTEL_TRACES_SAMPLER_ARG: "${given}" is not a ratio from 0 to 1`);
  }
  return ratio;
}

/** The batch span processor's bounds; the specification's defaults. */
function batchOf(env: Environment): TracingSettings["batch"] {
  return {
    scheduledDelayMillis: count(env, "OTEL_BSP_SCHEDULE_DELAY", 5_000),
    exportTimeoutMillis: count(env, "OTEL_BSP_EXPORT_TIMEOUT", 30_000),
    maxQueueSize: count(env, "OTEL_BSP_MAX_QUEUE_SIZE", 2_048),
    maxExportBatchSize: count(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", 512),
  };
}

function count(env: Environment, name: string, fallback: number): number {
  const given = value(env, name);
  if (given === undefined) return fallback;
  const parsed = Number(given);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new TracingSettingError(`${name}: "${given}" is not a whole number of 0 or more`);
  }
  return parsed;
}

/** A variable's value; set but empty counts as unset, as the specification says. */
function value(env: Environment, name: string): string | undefined {
  const given = env[name]?.trim();
  return given === undefined || given === "" ? undefined : given;
}
