import { fromBinary } from "@bufbuild/protobuf";
import { Migration } from "@mikro-orm/migrations";
import { StagedWriteSchema } from "../../../gen/ts/engram/v1/staged_write_service_pb.js";

/**
 * Generated from the entities by npm run db:migration: `agent_ids`, every agent a staged write's
 * writes act as, which decides who may read it. Rows staged before it get theirs from their
 * writes, so that a staged write naming several agents stops being readable by every key.
 */
export class Migration20261124220610StagedWriteAgents extends Migration {
  override async up(): Promise<void> {
    await this.execute('alter table "staged_writes" add "agent_ids" text[] not null default \'{}\'');
    const rows = (await this.execute('select "workspace_id", "id", "body" from "staged_writes"')) as {
      workspace_id: string;
      id: string;
      body: Uint8Array;
    }[];
    for (const row of rows) {
      const { requests } = fromBinary(StagedWriteSchema, row.body);
      const agents = [...new Set(requests.map((r) => r.memory?.agentId ?? "").filter((a) => a !== ""))];
      if (agents.length === 0) continue;
      const array = `array[${agents.map(() => "?").join(", ")}]::text[]`;
      await this.execute(`update "staged_writes" set "agent_ids" = ${array} where "workspace_id" = ? and "id" = ?`, [
        ...agents,
        row.workspace_id,
        row.id,
      ]);
    }
  }
}
