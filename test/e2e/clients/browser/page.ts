// Copied into a scratch project that installed the npm package (gen/ts-client) and Connect-Web,
// bundled there by esbuild at test time and run in Chromium: a web app calling Engram the way
// browsers do (fetch, CORS), through the published Connect-Web transports.
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { ErrorInfoSchema, MemoryService, SearchMode, WriteOutcome, type MemoryFilter } from "engram-memory-client";

/** Where the page calls the API, with which key and wire protocol. */
export interface Api {
  baseUrl: string;
  key: string;
  protocol: "connect" | "grpc-web";
}

export interface NewMemory {
  subjectType: string;
  subjectId: string;
  kind: string;
  key: string;
  content: string;
}

export type Filter = Partial<Pick<MemoryFilter, "subjectType" | "subjectId" | "kinds">>;

function memories(api: Api): Client<typeof MemoryService> {
  const transport =
    api.protocol === "grpc-web"
      ? createGrpcWebTransport({ baseUrl: api.baseUrl })
      : createConnectTransport({ baseUrl: api.baseUrl });
  return createClient(MemoryService, transport);
}

const auth = (api: Api) => ({ headers: { authorization: `Bearer ${api.key}` } });

// Plain values only: page.evaluate hands results to the test as JSON.
const engram = {
  async write(api: Api, memory: NewMemory) {
    const { memory: written, outcome } = await memories(api).writeMemory({ memory }, auth(api));
    return { id: written!.id, content: written!.content, outcome: WriteOutcome[outcome] };
  },

  async list(api: Api, filter: Filter) {
    const { memories: found } = await memories(api).listMemories({ filter }, auth(api));
    return found.map(({ id, content }) => ({ id, content }));
  },

  async search(api: Api, query: string, filter: Filter) {
    const results: Array<{ id: string; content: string; rank: number; mode: string }> = [];
    for await (const result of memories(api).searchMemories({ query, filter }, auth(api))) {
      results.push({
        id: result.memory!.id,
        content: result.memory!.content,
        rank: result.rank,
        mode: SearchMode[result.mode],
      });
    }
    return results;
  },

  /** The code and ErrorInfo reason of a failed call: a read of a memory that does not exist. */
  async readMissing(api: Api) {
    const id = "0190a000-0000-7000-8000-000000000000";
    const err = await memories(api)
      .getMemory({ id }, auth(api))
      .then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      );
    return err && { code: Code[err.code], reasons: err.findDetails(ErrorInfoSchema).map((info) => info.reason) };
  },

  async remove(api: Api, id: string) {
    const { memory } = await memories(api).deleteMemory({ id }, auth(api));
    return { id: memory!.id, deleted: memory!.deleteTime !== undefined };
  },
};

declare global {
  interface Window {
    engram: typeof engram;
  }
}

window.engram = engram;
