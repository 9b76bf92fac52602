/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha) over protobuf-es
 * file descriptors, so tools like `buf curl`, grpcurl and Postman can discover
 * Engram's API without a local copy of the .proto files.
 *
 * Both protocol versions share one implementation written against the v1
 * messages. The v1alpha messages use the same field numbers and types, so a
 * v1alpha message is converted by re-decoding its bytes with the v1 schema.
 */
import {
  create,
  createFileRegistry,
  fromBinary,
  toBinary,
  type DescFile,
  type DescMessage,
  type FileRegistry,
  type MessageShape,
} from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectRouter } from "@connectrpc/connect";
import * as v1 from "../../gen/ts/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../gen/ts/grpc/reflection/v1alpha/reflection_pb.js";

type Request = v1.ServerReflectionRequest;
type Response = v1.ServerReflectionResponse;
type ResponseBody = Response["messageResponse"];

/**
 * Serve reflection for the services declared in `files` (their imports are
 * resolvable too, but only services declared directly in `files` are listed,
 * since only those are actually routed) plus the reflection services.
 */
export function registerReflection(router: ConnectRouter, files: DescFile[]): void {
  const index = new ReflectionIndex([
    ...files,
    v1.file_grpc_reflection_v1_reflection,
    v1alpha.file_grpc_reflection_v1alpha_reflection,
  ]);

  router.service(v1.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) yield index.answer(req);
    },
  });

  router.service(v1alpha.ServerReflection, {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) {
        const res = index.answer(convert(v1alpha.ServerReflectionRequestSchema, v1.ServerReflectionRequestSchema, req));
        yield convert(v1.ServerReflectionResponseSchema, v1alpha.ServerReflectionResponseSchema, res);
      }
    },
  });
}

/** Re-decode a message as a wire-compatible sibling type. */
function convert<From extends DescMessage, To extends DescMessage>(
  from: From,
  to: To,
  message: MessageShape<From>,
): MessageShape<To> {
  return fromBinary(to, toBinary(from, message));
}

/** Everything the answers need, computed once at registration time. */
class ReflectionIndex {
  private readonly registry: FileRegistry;
  /** Fully-qualified symbol (no leading dot) -> name of the declaring file. */
  private readonly symbols = new Map<string, string>();
  /** File name -> serialized FileDescriptorProto, serialized once. */
  private readonly encoded = new Map<string, Uint8Array>();
  private readonly serviceNames: string[];

  constructor(files: DescFile[]) {
    // The registry needs every import present and listed before its
    // importers, which is exactly a post-order walk of the dependency graph.
    const ordered: DescFile[] = [];
    const seen = new Set<string>();
    const visit = (file: DescFile): void => {
      if (seen.has(file.proto.name)) return;
      seen.add(file.proto.name);
      file.dependencies.forEach(visit);
      ordered.push(file);
    };
    files.forEach(visit);

    this.registry = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered.map((f) => f.proto) }));
    for (const file of this.registry.files) {
      this.encoded.set(file.proto.name, toBinary(FileDescriptorProtoSchema, file.proto));
      indexSymbols(file, (symbol) => this.symbols.set(symbol, file.proto.name));
    }
    this.serviceNames = [...new Set(files.flatMap((f) => f.services.map((s) => s.typeName)))].sort();
  }

  answer(req: Request): Response {
    return create(v1.ServerReflectionResponseSchema, {
      validHost: req.host,
      originalRequest: req,
      messageResponse: this.body(req),
    });
  }

  private body(req: Request): ResponseBody {
    const { messageRequest: r } = req;
    switch (r.case) {
      case "listServices":
        return {
          case: "listServicesResponse",
          value: create(v1.ListServiceResponseSchema, {
            service: this.serviceNames.map((name) => ({ name })),
          }),
        };
      case "fileByFilename":
        return this.filesFor(r.value, `file ${r.value}`);
      case "fileContainingSymbol": {
        // Clients sometimes send names in descriptor form, with a leading dot.
        const symbol = r.value.replace(/^\./, "");
        return this.filesFor(this.symbols.get(symbol), `symbol ${r.value}`);
      }
      case "fileContainingExtension": {
        const { containingType, extensionNumber } = r.value;
        const extendee = this.registry.getMessage(containingType.replace(/^\./, ""));
        const ext = extendee && this.registry.getExtensionFor(extendee, extensionNumber);
        return this.filesFor(ext?.file.proto.name, `extension ${extensionNumber} of ${containingType}`);
      }
      case "allExtensionNumbersOfType": {
        const typeName = r.value.replace(/^\./, "");
        if (!this.registry.getMessage(typeName)) {
          return notFound(`type ${r.value}`);
        }
        const numbers: number[] = [];
        for (const type of this.registry) {
          if (type.kind === "extension" && type.extendee.typeName === typeName) {
            numbers.push(type.number);
          }
        }
        return {
          case: "allExtensionNumbersResponse",
          value: create(v1.ExtensionNumberResponseSchema, {
            baseTypeName: typeName,
            extensionNumber: numbers.sort((a, b) => a - b),
          }),
        };
      }
      case undefined:
        return error(Code.InvalidArgument, "no message_request set");
    }
  }

  /**
   * The named file followed by all of its transitive imports: a client can
   * only build descriptors once it has every file they reference, and sending
   * them together saves it a round trip per import.
   */
  private filesFor(fileName: string | undefined, what: string): ResponseBody {
    const root = fileName === undefined ? undefined : this.registry.getFile(fileName);
    if (!root) return notFound(what);

    const out: Uint8Array[] = [];
    const seen = new Set<string>();
    const visit = (file: DescFile): void => {
      if (seen.has(file.proto.name)) return;
      seen.add(file.proto.name);
      const bytes = this.encoded.get(file.proto.name);
      if (bytes) out.push(bytes);
      file.dependencies.forEach(visit);
    };
    visit(root);
    return {
      case: "fileDescriptorResponse",
      value: create(v1.FileDescriptorResponseSchema, {
        fileDescriptorProto: out,
      }),
    };
  }
}

/**
 * Calls `add` with every fully-qualified name declared in `file`, using
 * protobuf's own scoping: fields, oneofs and nested types live under their
 * message, methods under their service, and enum values are siblings of
 * their enum (so `pkg.Enum.VALUE` is spelled `pkg.VALUE`).
 */
function indexSymbols(file: DescFile, add: (symbol: string) => void): void {
  const scopeOf = (typeName: string, name: string): string => typeName.slice(0, typeName.length - name.length - 1);

  for (const service of file.services) {
    add(service.typeName);
    for (const method of service.methods) add(`${service.typeName}.${method.name}`);
  }
  for (const ext of file.extensions) add(ext.typeName);

  const enums = [...file.enums];
  const messages = [...file.messages];
  for (let message = messages.pop(); message; message = messages.pop()) {
    add(message.typeName);
    for (const field of message.fields) add(`${message.typeName}.${field.name}`);
    for (const oneof of message.oneofs) add(`${message.typeName}.${oneof.name}`);
    for (const ext of message.nestedExtensions) add(ext.typeName);
    messages.push(...message.nestedMessages);
    enums.push(...message.nestedEnums);
  }
  for (const en of enums) {
    add(en.typeName);
    const scope = scopeOf(en.typeName, en.name);
    for (const value of en.values) add(scope ? `${scope}.${value.name}` : value.name);
  }
}

function notFound(what: string): ResponseBody {
  return error(Code.NotFound, `${what} not found`);
}

// Connect's Code enum uses the gRPC status numbers, so it fits error_code as is.
function error(code: Code, message: string): ResponseBody {
  return {
    case: "errorResponse",
    value: create(v1.ErrorResponseSchema, {
      errorCode: code,
      errorMessage: message,
    }),
  };
}
