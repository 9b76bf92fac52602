/**
 * Planner settings a query needs are scoped to it (withLocalSettings): the keyword retriever's
 * scans-off switches cannot leak into whatever its transaction runs next.
 */
import type { EntityManager } from "@mikro-orm/sql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withLocalSettings } from "../../../src/db/local-settings.js";
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
