/**
 * Planner settings a query needs are scoped to it (withLocalSettings): the keyword retriever's
 * scans-off switches cannot leak into whatever its transaction runs next.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLocallyOnShards, setLocalSettings, withLocalSettings } from "../../../src/db/local-settings.js";
import { RetrievalRepository } from "../../../src/memory/search/retrieval.repository.js";
import { startServices, type ServiceHarness } from "../../support/service.js";
import { NO_FILTER } from "../../support/factories/search.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

async function scans(em: EntityManager): Promise<[string, string]> {
  const [row] = await em.execute<{ seq: string; index: string }[]>(
    "select current_setting('enable_seqscan') as seq, current_setting('enable_indexscan') as index",
  );
  return [row!.seq, row!.index];
}

describe("withLocalSettings", () => {
  it("applies the settings to its body's statements only, and puts them back even when the body fails", async () => {
    await services.db.em.fork().transactional(async (tem) => {
      const inside = await withLocalSettings(tem, { enable_seqscan: "off", enable_indexscan: "off" }, () => scans(tem));
      expect(inside).toEqual(["off", "off"]);
      expect(await scans(tem)).toEqual(["on", "on"]);
      await expect(
        withLocalSettings(tem, { enable_seqscan: "off" }, () => Promise.reject(new Error("the body failed"))),
      ).rejects.toThrow("the body failed");
      expect(await scans(tem)).toEqual(["on", "on"]);
    });
  });

  it("sets the settings given for afterwards with those it puts back, for the rest of the transaction", async () => {
    await services.db.em.fork().transactional(async (tem) => {
      const hashJoins = async () =>
        (await tem.execute<{ on: string }[]>("select current_setting('enable_hashjoin') as on"))[0]!.on;
      const inside = await withLocalSettings(tem, { enable_seqscan: "off" }, hashJoins, { enable_hashjoin: "off" });
      expect(inside).toBe("on");
      expect(await hashJoins()).toBe("off");
      expect(await scans(tem)).toEqual(["on", "on"]);
    });
  });

  it("leaves a keyword search's transaction planning as before, whatever runs after it", async () => {
    await services
      .memories()
      .writeMemory({ memory: { subjectType: "contact", kind: "note", content: "renewal in March" } });
    await services.db.em.fork().transactional(async (tem) => {
      const viewer = { workspaceId: services.workspaceId, agentId: null, admin: false };
      const found = await new RetrievalRepository(tem).keywordMatches({
        viewer,
        filter: NO_FILTER,
        text: "renewal",
        limit: 10,
        now: new Date(),
      });
      expect(found.candidates).toHaveLength(1);
      expect(await scans(tem)).toEqual(["on", "on"]);
    });
  });
});

// Last: from here on the harness's connection takes its settings as on Citus, SET LOCAL statements.
describe("as on Citus, SET LOCAL statements", () => {
  it("set a value as a literal, quotes and all, and refuse what is not a setting's name", async () => {
    setLocallyOnShards(services.db.em);
    await services.db.em.fork().transactional(async (tem) => {
      await setLocalSettings(tem, { application_name: "it's; reset all" });
      const [row] = await tem.execute<{ name: string }[]>("select current_setting('application_name') as name");
      expect(row!.name).toBe("it's; reset all");
      await expect(setLocalSettings(tem, { "enable_seqscan = on; reset all; --": "off" })).rejects.toThrow(
        "not a setting's name",
      );
    });
  });

  it("scope withLocalSettings' settings to its body, as set_config() did", async () => {
    await services.db.em.fork().transactional(async (tem) => {
      const inside = await withLocalSettings(
        tem,
        { enable_seqscan: "off", enable_indexscan: "off" },
        () => scans(tem),
        {
          enable_hashjoin: "off",
        },
      );
      expect(inside).toEqual(["off", "off"]);
      expect(await scans(tem)).toEqual(["on", "on"]);
      const [row] = await tem.execute<{ on: string }[]>("select current_setting('enable_hashjoin') as on");
      expect(row!.on).toBe("off");
    });
  });
});
