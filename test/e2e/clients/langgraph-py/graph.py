"""A LangGraph graph that remembers across threads through the Engram store."""

import os
import time
from typing import TypedDict

import grpc
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.store.base import BaseStore

from engram_langgraph import EngramStore


class State(TypedDict, total=False):
    user_id: str
    said: str
    recalled: list[str]


def remember(state: State, *, store: BaseStore) -> State:
    if state.get("said"):
        store.put(("memories", state["user_id"]), f"said-{time.time_ns()}", {"text": state["said"]})
    return {}


def recall(state: State, *, store: BaseStore) -> State:
    return {"recalled": [item.value["text"] for item in store.search(("memories", state["user_id"]))]}


store = EngramStore(grpc.insecure_channel(os.environ["ENGRAM_ADDR"]), os.environ["ENGRAM_API_KEY"])
graph = (
    StateGraph(State)
    .add_node("remember", remember)
    .add_node("recall", recall)
    .add_edge(START, "remember")
    .add_edge("remember", "recall")
    .add_edge("recall", END)
    .compile(checkpointer=InMemorySaver(), store=store)
)
graph.invoke({"user_id": "ana", "said": "Ana drinks green tea in the morning"}, {"configurable": {"thread_id": "one"}})
later = graph.invoke({"user_id": "ana", "said": ""}, {"configurable": {"thread_id": "two"}})
assert later["recalled"] == ["Ana drinks green tea in the morning"], later
other = graph.invoke({"user_id": "bo", "said": ""}, {"configurable": {"thread_id": "three"}})
assert other["recalled"] == [], other
print("graph: a second thread recalled what the first learned")
