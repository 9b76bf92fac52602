/**
 * unfoldedTallyRows, behind the engram_graph_unfolded_tally_rows gauge: the tally rows writes add
 * until the folder folds them. The harness runs no folder, so the rows stay until folded here.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FOLD_BATCH } from "../../../src/graph/tallies/fold-rows.js";
import { foldTallies, unfoldedTallyRows } from "../../../src/graph/tallies/folds.js";
import { aNamingNote } from "../../support/factories/memory.js";
import { startServices, type ServiceHarness } from "../../support/service.js";

let services: ServiceHarness;
beforeAll(async () => {
  services = await startServices();
});
afterAll(() => services.close());

const unfolded = () => unfoldedTallyRows(services.db.em.fork());

describe("unfolded graph tallies", () => {
  it("are counted from a write that names entities until a fold sums them", async () => {
    const before = await unfolded();
    await services.memories().writeMemory({ memory: aNamingNote() });
    const written = await unfolded();
    // The names' rows and both ends of each relation, for the workspace and the admin class.
    expect(written).toBeGreaterThanOrEqual(before + 4);

    while ((await foldTallies(services.db.em.fork())) >= FOLD_BATCH);
    expect(await unfolded()).toBe(0);
  });
});
