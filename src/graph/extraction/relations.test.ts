import { describe, expect, it } from "vitest";
import { extractNames } from "./extract.js";
import { extractRelations, MAX_RELATIONS } from "./relations.js";
import type { ExtractedName } from "./names.js";

const relations = (text: string) =>
  extractRelations(text, extractNames(text)).map((r) => [r.subject.name, r.predicate, r.object.name]);

describe("extractRelations", () => {
  it("reads the example's role as employment", () => {
    expect(relations("John Smith is the CTO of Acme Corp. He joined in 2022.")).toEqual([
      ["John Smith", "works_at", "Acme Corp"],
    ]);
  });

  it("reads each shipped pattern", () => {
    expect(relations("Maria Gonzalez works at Stripe.")).toEqual([["Maria Gonzalez", "works_at", "Stripe"]]);
    expect(relations("Ahmed Hassan joined Careem as a manager.")).toEqual([["Ahmed Hassan", "works_at", "Careem"]]);
    expect(relations("Grace Liu lives in Singapore.")).toEqual([["Grace Liu", "lives_in", "Singapore"]]);
    expect(relations("Kevin Nguyen moved to Portland last year.")).toEqual([["Kevin Nguyen", "lives_in", "Portland"]]);
    expect(relations("Zoë Martin started Bloom Analytics.")).toEqual([["Zoë Martin", "founded", "Bloom Analytics"]]);
    expect(relations("Ola Nordmann is the founder of Fjord Labs.")).toEqual([
      ["Ola Nordmann", "founded", "Fjord Labs"],
    ]);
    expect(relations("Megan Lee heads marketing at Etsy.")).toEqual([["Megan Lee", "works_at", "Etsy"]]);
    expect(relations("Netflix is based in Los Gatos.")).toEqual([["Netflix", "located_in", "Los Gatos"]]);
  });

  it("says nothing of the past, the negated, questions or words between the names", () => {
    expect(relations("Anthony Russo worked at IBM for a decade.")).toEqual([]);
    expect(relations("Hannah Okafor does not work at Accenture anymore.")).toEqual([]);
    expect(relations("Jamal lives in Atlanta now, right?")).toEqual([]);
    expect(relations("Lisa visited her friend who lives in Oslo.")).toEqual([]);
  });

  it("matches whole words only", () => {
    const names: ExtractedName[] = [
      { type: "person", name: "Tom", text: "Tom" },
      { type: "place", name: "Oslo", text: "Oslo" },
    ];
    expect(extractRelations("Tomas lives in Oslo.", names)).toEqual([]);
    expect(extractRelations("Tom lives in Oslo.", names)).toHaveLength(1);
  });

  it("returns at most MAX_RELATIONS and never throws", () => {
    const text = Array.from({ length: 40 }, (_, i) => `Person${i} Smith lives in Paris.`).join(" ");
    const names: ExtractedName[] = [
      ...Array.from({ length: 40 }, (_, i) => ({
        type: "person" as const,
        name: `Person${i} Smith`,
        text: `Person${i} Smith`,
      })),
      { type: "place", name: "Paris", text: "Paris" },
    ];
    expect(extractRelations(text, names)).toHaveLength(MAX_RELATIONS);
    expect(extractRelations(null as unknown as string, names)).toEqual([]);
    expect(extractRelations("x", null as unknown as ExtractedName[])).toEqual([]);
    expect(extractRelations("", [{ type: "person", name: "", text: "" }])).toEqual([]);
  });
});
