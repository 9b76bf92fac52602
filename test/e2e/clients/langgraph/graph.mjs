// One small LangGraph graph that remembers across threads through the Engram store: the first
// thread learns a preference, a second thread (no shared state) recalls it.
import assert from "node:assert/strict";
import { Annotation, MemorySaver, StateGraph, START, END } from "@langchain/langgraph";
import { EngramStore } from "engram-langgraph";
import { transport } from "./transport.mjs";

const store = new EngramStore({ transport });

const State = Annotation.Root({
  userId: Annotation(),
  said: Annotation(),
  recalled: Annotation({ reducer: (_, next) => next, default: () => [] }),
});

const graph = new StateGraph(State)
  .addNode("remember", async (state, config) => {
    if (state.said) await config.store.put(["memories", state.userId], `said-${Date.now()}`, { text: state.said });
    return {};
  })
  .addNode("recall", async (state, config) => {
    const memories = await config.store.search(["memories", state.userId]);
    return { recalled: memories.map((m) => m.value.text) };
  })
  .addEdge(START, "remember")
  .addEdge("remember", "recall")
  .addEdge("recall", END)
  .compile({ checkpointer: new MemorySaver(), store });

await graph.invoke(
  { userId: "ana", said: "Ana drinks green tea in the morning" },
  { configurable: { thread_id: "one" } },
);
const later = await graph.invoke({ userId: "ana", said: "" }, { configurable: { thread_id: "two" } });
assert.deepEqual(later.recalled, ["Ana drinks green tea in the morning"]);
const other = await graph.invoke({ userId: "bo", said: "" }, { configurable: { thread_id: "three" } });
assert.deepEqual(other.recalled, []);
console.log("graph: a second thread recalled what the first learned");
