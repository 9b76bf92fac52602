// The Engram retriever in a real LangChain (LCEL) chain: retrieve, format, fill a prompt. The
// server has no embedder here, so the searches are by keyword.
import assert from "node:assert/strict";
import { createClient } from "@connectrpc/connect";
import { PromptTemplate } from "@langchain/core/prompts";
import { RunnablePassthrough, RunnableSequence } from "@langchain/core/runnables";
import { MemoryService, SearchMode } from "engram-memory-client";
import { EngramRetriever } from "engram-langgraph";
import { transport } from "./transport.mjs";

const memories = createClient(MemoryService, transport);
for (const [subjectId, content] of [
  ["acme", "Acme renews its contract in March"],
  ["acme", "Acme's CTO is Dana Reyes"],
  ["globex", "Globex renews its contract in June"],
]) {
  await memories.writeMemory({ memory: { subjectType: "company", subjectId, kind: "fact", content } });
}

const retriever = new EngramRetriever({
  transport,
  filter: { subjectType: "company", subjectId: "acme" },
  mode: SearchMode.KEYWORD,
  topK: 5,
});
const documents = await retriever.invoke("when does the contract renew");
assert.equal(documents[0]?.pageContent, "Acme renews its contract in March");
assert.equal(documents[0]?.metadata.subjectId, "acme");
assert.ok(documents[0]?.metadata.score > 0);
assert.ok(
  documents.every((d) => d.metadata.subjectId === "acme"),
  "the filter keeps Globex out",
);

const chain = RunnableSequence.from([
  {
    context: retriever.pipe((docs) => docs.map((d) => `- ${d.pageContent}`).join("\n")),
    question: new RunnablePassthrough(),
  },
  PromptTemplate.fromTemplate("Known facts:\n{context}\n\nQuestion: {question}"),
]);
const prompt = (await chain.invoke("when does the contract renew")).toString();
assert.match(prompt, /- Acme renews its contract in March/);
assert.doesNotMatch(prompt, /Globex/);
assert.match(prompt, /Question: when does the contract renew$/);
console.log("chain: the retriever's memories filled the prompt");
