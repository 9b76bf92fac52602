import { execFile } from "node:child_process";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { file_engram_v1_api_key_service } from "../../../gen/ts/engram/v1/api_key_service_pb.js";
import { file_engram_v1_memory_service } from "../../../gen/ts/engram/v1/memory_service_pb.js";
import {
  file_grpc_health_v1_health,
  Health,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "../../../gen/ts/grpc/health/v1/health_pb.js";
import {
  ServerReflection,
  type ServerReflectionRequestSchema,
  type ServerReflectionResponse,
} from "../../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import { healthService } from "../../../src/server/health.js";
import { registerReflection } from "../../../src/server/reflection.js";

const run = promisify(execFile);
const bufBin = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));

let server: http2.Http2Server;
// Client transports keep their HTTP/2 sessions open for reuse, and
// server.close() waits for every session to end, so we end them ourselves.
const sessions = new Set<http2.ServerHttp2Session>();
let baseUrl: string;
// Flipped by the Watch test to observe a status change.
let serving = true;

beforeAll(async () => {
  const routes = (router: ConnectRouter): void => {
    router.service(
      Health,
      healthService(() => serving, ["engram.v1.MemoryService"], {
        pollIntervalMs: 20,
      }),
    );
    registerReflection(router, [
      file_engram_v1_memory_service,
      file_engram_v1_api_key_service,
      file_grpc_health_v1_health,
    ]);
  };
  server = http2.createServer(connectNodeAdapter({ routes }));
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  for (const session of sessions) session.close();
  await closed;
});

// connect-node 2.x always speaks HTTP/2 for gRPC, so there is no
// httpVersion option to set here.
function transport() {
  return createGrpcTransport({ baseUrl });
}

async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await run(bufBin, ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args], {
    timeout: 30_000,
  });
  return stdout;
}

/** One request on a fresh reflection stream, returning its single answer. */
async function reflect(
  request: MessageInitShape<typeof ServerReflectionRequestSchema>,
): Promise<ServerReflectionResponse> {
  const client = createClient(ServerReflection, transport());
  async function* requests() {
    yield request;
  }
  for await (const res of client.serverReflectionInfo(requests())) return res;
  throw new Error("reflection stream ended without a response");
}

function fileNames(res: ServerReflectionResponse): string[] {
  if (res.messageResponse.case !== "fileDescriptorResponse") {
    throw new Error(`expected file descriptors, got ${res.messageResponse.case}`);
  }
  return res.messageResponse.value.fileDescriptorProto.map(
    (bytes) => fromBinary(FileDescriptorProtoSchema, bytes).name,
  );
}

describe("buf curl through server reflection", () => {
  it.each(["grpc-v1", "grpc-v1alpha"])("lists methods using %s", async (protocol) => {
    const out = await bufCurl("--reflect-protocol", protocol, "--list-methods", baseUrl);
    const methods = out.split("\n");
    expect(methods).toContain("engram.v1.MemoryService/WriteMemory");
    expect(methods).toContain("engram.v1.ApiKeyService/CreateApiKey");
    expect(methods).toContain("grpc.health.v1.Health/Check");
  });

  it("calls Health/Check", async () => {
    const out = await bufCurl(`${baseUrl}/grpc.health.v1.Health/Check`);
    expect(JSON.parse(out)).toEqual({ status: "SERVING" });
  });
});

describe("reflection service", () => {
  it("lists the served services and the reflection services", async () => {
    const res = await reflect({
      messageRequest: { case: "listServices", value: "" },
    });
    expect(res.messageResponse.case).toBe("listServicesResponse");
    const names =
      res.messageResponse.case === "listServicesResponse" ? res.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(
      expect.arrayContaining([
        "engram.v1.MemoryService",
        "engram.v1.ApiKeyService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
  });

  it("answers unknown symbols with NOT_FOUND and echoes the request", async () => {
    const res = await reflect({
      host: "example.test",
      messageRequest: {
        case: "fileContainingSymbol",
        value: "engram.v1.NoSuchThing",
      },
    });
    expect(res.messageResponse.case).toBe("errorResponse");
    expect(res.messageResponse.value).toMatchObject({ errorCode: 5 });
    expect(res.validHost).toBe("example.test");
    expect(res.originalRequest?.messageRequest).toEqual({
      case: "fileContainingSymbol",
      value: "engram.v1.NoSuchThing",
    });
  });

  it("returns a file with its transitive dependencies", async () => {
    const res = await reflect({
      messageRequest: {
        case: "fileByFilename",
        value: "engram/v1/memory_service.proto",
      },
    });
    const names = fileNames(res);
    expect(names[0]).toBe("engram/v1/memory_service.proto");
    expect(names).toContain("engram/v1/memory.proto");
    // Imported only through memory.proto / annotations.proto: proves transitivity.
    expect(names).toContain("google/protobuf/descriptor.proto");
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(["engram.v1.MemoryService", "engram.v1.MemoryService.WriteMemory", ".engram.v1.WriteMemoryRequest"])(
    "finds the file declaring %s",
    async (symbol) => {
      const res = await reflect({
        messageRequest: { case: "fileContainingSymbol", value: symbol },
      });
      expect(fileNames(res)[0]).toBe("engram/v1/memory_service.proto");
    },
  );

  it("resolves extensions from the registry", async () => {
    const numbers = await reflect({
      messageRequest: {
        case: "allExtensionNumbersOfType",
        value: "google.protobuf.FieldOptions",
      },
    });
    expect(numbers.messageResponse.case).toBe("allExtensionNumbersResponse");
    // buf.validate.field, declared by buf/validate/validate.proto.
    expect(numbers.messageResponse.value).toMatchObject({
      baseTypeName: "google.protobuf.FieldOptions",
      extensionNumber: expect.arrayContaining([1159]),
    });

    const file = await reflect({
      messageRequest: {
        case: "fileContainingExtension",
        value: {
          containingType: "google.protobuf.FieldOptions",
          extensionNumber: 1159,
        },
      },
    });
    expect(fileNames(file)[0]).toBe("buf/validate/validate.proto");

    const unknown = await reflect({
      messageRequest: { case: "allExtensionNumbersOfType", value: "no.Such" },
    });
    expect(unknown.messageResponse.value).toMatchObject({ errorCode: 5 });
  });
});

describe("health service", () => {
  const client = () => createClient(Health, transport());

  it("reports overall and per-service status", async () => {
    expect((await client().check({})).status).toBe(ServingStatus.SERVING);
    expect((await client().check({ service: "engram.v1.MemoryService" })).status).toBe(ServingStatus.SERVING);
  });

  it("rejects unknown services with NOT_FOUND", async () => {
    const err = await client()
      .check({ service: "no.Such" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  it("watch reports SERVICE_UNKNOWN for unknown services", async () => {
    const abort = new AbortController();
    let first: ServingStatus | undefined;
    try {
      for await (const res of client().watch({ service: "no.Such" }, { signal: abort.signal })) {
        first = res.status;
        break;
      }
    } finally {
      abort.abort();
    }
    expect(first).toBe(ServingStatus.SERVICE_UNKNOWN);
  });

  it("watch sends the current status, then changes", async () => {
    const abort = new AbortController();
    const seen: ServingStatus[] = [];
    try {
      for await (const res of client().watch({}, { signal: abort.signal })) {
        seen.push(res.status);
        if (seen.length === 1) serving = false;
        if (seen.length === 2) break;
      }
    } finally {
      serving = true;
      abort.abort();
    }
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });
});
