import type { DescMethod, JsonObject } from "@bufbuild/protobuf";

/** One MCP tool: an RPC of MemoryService, StagedWriteService or EntityService, with the arguments and words a model needs. */
export interface MemoryTool {
  name: string;
  title: string;
  description: string;
  method: DescMethod;
  /** Request fields (dotted proto paths) the model never sets: output-only or derived. */
  hidden: string[];
  /** Message fields taken whole, as one object argument, not flattened (two refs would share type and id). */
  whole?: string[];
  /** Arguments the model must give, beyond those the protos already require. */
  required?: string[];
  /** The request's proto3 JSON completed where flat arguments cannot say it all (an implied update mask). */
  request?: (json: JsonObject) => JsonObject;
  /** A stream of progress whose last message is the answer: the model gets that one alone. */
  answerIsLast?: boolean;
  readOnly: boolean;
  destructive?: boolean;
  idempotent?: boolean;
}
