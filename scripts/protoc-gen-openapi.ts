// A protoc plugin (run by `buf generate`) that writes the OpenAPI document of the REST
// gateway. It reads the same google.api.http annotations the gateway serves from, plus the
// proto comments, which only a plugin sees.
import { readFileSync, writeSync } from "node:fs";
import { createFileRegistry, fromBinary, toBinary, create } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  CodeGeneratorResponse_Feature,
  CodeGeneratorResponseSchema,
  FileDescriptorSetSchema,
} from "@bufbuild/protobuf/wkt";
import { getComments } from "@bufbuild/protoplugin";
import { SEED_ROUTES } from "../src/api/seeds/seed-routes.js";
import { openApiDocument } from "../src/server/rest/openapi.js";

const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(0));
const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: request.protoFile }));
const services = request.fileToGenerate
  .filter((name) => name.startsWith("engram/"))
  .flatMap((name) => registry.getFile(name)?.services ?? []);

const document = openApiDocument(services, {
  seedRoutes: SEED_ROUTES,
  title: "Engram",
  version: "v1",
  description:
    "Memory service for AI agents. REST JSON uses the proto field names (snake_case) and short lower-case enum values; " +
    "the same API is served over gRPC, gRPC-Web and Connect.",
  describe: (desc) => {
    const text = getComments(desc).leading?.trim();
    return text === undefined || text === "" ? undefined : text.replace(/\s*\n\s*/g, " ");
  },
});

const response = create(CodeGeneratorResponseSchema, {
  supportedFeatures: BigInt(CodeGeneratorResponse_Feature.PROTO3_OPTIONAL),
  file: [{ name: "engram.openapi.json", content: JSON.stringify(document, null, 2) + "\n" }],
});
// stdout may be a non-blocking pipe: a large response goes out in several writes, and a write
// the pipe is not ready for (EAGAIN) is tried again.
const bytes = toBinary(CodeGeneratorResponseSchema, response);
for (let written = 0; written < bytes.length;) {
  try {
    written += writeSync(1, bytes, written);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
  }
}
