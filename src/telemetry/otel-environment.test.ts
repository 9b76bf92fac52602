import { describe, expect, it } from "vitest";
import { tracingSettings, TracingSettingError } from "./otel-environment.js";

describe("tracingSettings", () => {
  it("is off with no OTEL_* variables, and when the SDK is disabled or the exporter is none", () => {
    expect(tracingSettings({})).toBeNull();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_SDK_DISABLED: "true" })).toBeNull();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318", OTEL_TRACES_EXPORTER: "none" })).toBeNull();
    // Set but empty is unset.
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: " ", OTEL_TRACES_EXPORTER: "" })).toBeNull();
  });

  it("is on with an OTLP endpoint, a traces endpoint, or an exporter named", () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4318" })?.exporters).toEqual(["otlp"]);
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" })?.exporters).toEqual([
      "otlp",
    ]);
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: "otlp, console" })?.exporters).toEqual(["otlp", "console"]);
  });

  it("takes the specification's defaults", () => {
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: "otlp" })).toEqual({
      exporters: ["otlp"],
      protocol: "http/protobuf",
      sampler: { kind: "parentbased", root: "always_on", ratio: 1 },
      batch: { scheduledDelayMillis: 5_000, exportTimeoutMillis: 30_000, maxQueueSize: 2_048, maxExportBatchSize: 512 },
    });
  });

  it("reads the protocol (the traces one first), the sampler and the batch bounds", () => {
    const settings = tracingSettings({
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
      OTEL_BSP_SCHEDULE_DELAY: "200",
    });
    expect(settings?.protocol).toBe("http/json");
    expect(settings?.sampler).toEqual({ kind: "parentbased", root: "traceidratio", ratio: 0.25 });
    expect(settings?.batch.scheduledDelayMillis).toBe(200);
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: "otlp", OTEL_TRACES_SAMPLER: "always_off" })?.sampler).toEqual({
      kind: "always_off",
    });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: "zipkin" }, /OTEL_TRACES_EXPORTER: "zipkin"/],
    [{ OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_PROTOCOL: "thrift" }, /OTEL_EXPORTER_OTLP_PROTOCOL/],
    [{ OTEL_TRACES_EXPORTER: "otlp", OTEL_TRACES_SAMPLER: "sometimes" }, /OTEL_TRACES_SAMPLER: "sometimes"/],
    [{ OTEL_TRACES_EXPORTER: "otlp", OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }, /ratio/],
    [{ OTEL_TRACES_EXPORTER: "otlp", OTEL_BSP_MAX_QUEUE_SIZE: "-1" }, /OTEL_BSP_MAX_QUEUE_SIZE/],
  ])("refuses a setting it cannot honour: %j", (env, message) => {
    expect(() => tracingSettings(env)).toThrow(TracingSettingError);
    expect(() => tracingSettings(env)).toThrow(message);
  });
});
