/**
 * The semantic-convention names Engram's spans use, in one place. Most are still "development"
 * in OpenTelemetry (RPC, database, GenAI), whose package asks that they be copied rather than
 * imported from its incubating entry point, which may change in any minor release.
 */
export const ATTR = {
  rpcSystem: "rpc.system.name",
  rpcMethod: "rpc.method",
  rpcStatus: "rpc.response.status_code",
  errorType: "error.type",
  dbSystem: "db.system.name",
  dbOperation: "db.operation.name",
  dbCollection: "db.collection.name",
  dbSummary: "db.query.summary",
  genAiOperation: "gen_ai.operation.name",
  genAiProvider: "gen_ai.provider.name",
  genAiModel: "gen_ai.request.model",
  memoryStore: "gen_ai.memory.store.id",
  memoryRecord: "gen_ai.memory.record.id",
  genAiTool: "gen_ai.tool.name",
  mcpMethod: "mcp.method.name",
  /** Which of Engram's entrances a call came through: grpc, grpc_web, connect, rest, mcp or seed. */
  transport: "engram.transport",
} as const;
