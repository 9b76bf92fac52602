import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { ApiKeyService, type ApiKey } from "../../gen/ts/engram/v1/api_key_service_pb.js";
import { ApiKeys, type NewApiKey } from "../auth/api-keys.js";
import type { ApiKeyRecord } from "../auth/api-key.repository.js";
import { MAX_PAGE_SIZE } from "../paging.js";
import type { Target } from "./target.js";
import { refusedBy } from "./text-output.js";

/** Where the key commands act: the database itself, or a running server's ApiKeyService. */
export interface KeyAdmin {
  /** The workspace a command acts in when none is named. */
  defaultWorkspace(): Promise<string>;
  create(key: NewApiKey): Promise<string>;
  list(workspaceId: string, showRevoked: boolean): Promise<ApiKeyRecord[]>;
  revoke(workspaceId: string, id: string): Promise<ApiKeyRecord | null>;
  close(): Promise<void>;
}

/** The key commands' view of a target (see target.ts). */
export function keyAdminFor(target: Target): KeyAdmin {
  if (target.kind === "server") return serverKeyAdmin(target.url, target.adminKey, target.holder);
  const keys = new ApiKeys(target.db.em);
  return {
    defaultWorkspace: () => Promise.resolve("default"),
    create: async (key) => (await keys.create(key)).secret,
    list: (workspaceId, showRevoked) => keys.list(workspaceId, { showRevoked, limit: 10_000 }),
    revoke: (workspaceId, id) => keys.revoke(workspaceId, id),
    close: () => target.db.close(),
  };
}

/**
 * ApiKeyService on a running server, acting with an admin key, which manages the keys of its
 * own workspace only.
 */
function serverKeyAdmin(url: string, adminKey: string, holder: string): KeyAdmin {
  const client: Client<typeof ApiKeyService> = createClient(
    ApiKeyService,
    createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
  );
  const call = { headers: { authorization: `Bearer ${adminKey}` } };
  const refused = (err: unknown) => refusedBy(holder, err);
  let workspace: Promise<string> | undefined;
  // The admin key's workspace, read from the keys it may list (its own among them).
  const ownWorkspace = () =>
    (workspace ??= client.listApiKeys({ pageSize: 1 }, call).then(
      ({ apiKeys }) => apiKeys[0]?.workspaceId ?? "",
      (err: unknown) => Promise.reject(refused(err)),
    ));
  const inOwnWorkspace = async (workspaceId: string, rpc: string) => {
    const own = await ownWorkspace();
    if (own !== workspaceId) {
      throw new Error(
        `${holder} manages keys in workspace "${own}", not "${workspaceId}": stop it and run this again, ` +
          `or call ApiKeyService.${rpc} on ${url} with an admin key of workspace "${workspaceId}"`,
      );
    }
  };
  return {
    defaultWorkspace: ownWorkspace,
    async create(key) {
      await inOwnWorkspace(key.workspaceId, "CreateApiKey");
      const { secret } = await client
        .createApiKey(
          { apiKey: { displayName: key.displayName, scopes: key.scopes, agentId: key.agentId ?? "" } },
          call,
        )
        .catch((err: unknown) => Promise.reject(refused(err)));
      return secret;
    },
    async list(workspaceId, showRevoked) {
      await inOwnWorkspace(workspaceId, "ListApiKeys");
      const records: ApiKeyRecord[] = [];
      let pageToken = "";
      do {
        const page = await client
          .listApiKeys({ pageSize: MAX_PAGE_SIZE, showRevoked, pageToken }, call)
          .catch((err: unknown) => Promise.reject(refused(err)));
        records.push(...page.apiKeys.map(toRecord));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return records;
    },
    async revoke(workspaceId, id) {
      await inOwnWorkspace(workspaceId, "RevokeApiKey");
      try {
        const { apiKey } = await client.revokeApiKey({ id }, call);
        return apiKey === undefined ? null : toRecord(apiKey);
      } catch (err) {
        if (err instanceof ConnectError && err.code === Code.NotFound) return null;
        throw refused(err);
      }
    },
    close: async () => {},
  };
}

function toRecord(key: ApiKey): ApiKeyRecord {
  return {
    id: key.id,
    workspaceId: key.workspaceId,
    displayName: key.displayName,
    scopes: key.scopes,
    agentId: key.agentId === "" ? null : key.agentId,
    createTime: key.createTime ? timestampDate(key.createTime) : new Date(0),
    revokeTime: key.revokeTime ? timestampDate(key.revokeTime) : null,
  };
}
