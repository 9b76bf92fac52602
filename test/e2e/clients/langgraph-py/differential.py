"""The Engram LangGraph store against LangGraph's reference InMemoryStore, operation by operation.

Run by test/e2e/clients/langgraph-python.test.ts in a venv outside the repository with the
packages installed from their wheels; ENGRAM_ADDR and ENGRAM_API_KEY name the server.
"""

import asyncio
import os
import time
from datetime import timezone

import grpc
from langgraph.store.memory import InMemoryStore

from engram.v1 import memory_pb2, memory_service_pb2, memory_service_pb2_grpc
from engram_langgraph import EngramStore

channel = grpc.insecure_channel(os.environ["ENGRAM_ADDR"])
engram = EngramStore(channel, os.environ["ENGRAM_API_KEY"])
reference = InMemoryStore()


def plain(item):
    return None if item is None else (tuple(item.namespace), item.key, item.value)


def by_place(items):
    return sorted(plain(item) for item in items)


def as_list(items):
    return [plain(item) for item in items]


def agree(label, op, shape=lambda x: x):
    expected = shape(op(reference))
    actual = shape(op(engram))
    assert actual == expected, f"{label}: Engram {actual!r} != InMemoryStore {expected!r}"
    return actual


writes = [
    (("users", "alice"), "prefs", {"theme": "dark", "size": 12, "tags": ["tea"], "address": {"city": "Lyon"}}),
    (("users", "alice"), "profile", {"name": "Alice Martin", "age": 31, "size": 3}),
    (("users", "bob"), "prefs", {"theme": "light", "size": 10}),
    (("docs",), "tuning", {"title": "Postgres tuning notes", "year": 2024}),
    (("docs", "archive"), "hnsw", {"title": "Old HNSW experiments", "year": 2019}),
    (("docs", "archive"), "ivf", {"title": "IVF flat benchmarks", "year": 2018}),
]
for namespace, key, value in writes:
    agree(f"put {namespace}/{key}", lambda s: s.put(namespace, key, value))
for namespace, key, _ in writes:
    agree(f"get {namespace}/{key}", lambda s: s.get(namespace, key), plain)
agree("a key in another namespace", lambda s: s.get(("users", "bob"), "profile"), plain)

agree("update", lambda s: s.put(("users", "alice"), "prefs", {"theme": "light", "size": 14, "tags": ["tea"]}))
agree("get after update", lambda s: s.get(("users", "alice"), "prefs"), plain)

agree("search one namespace, in order", lambda s: s.search(("users", "alice")), as_list)
agree("search a prefix", lambda s: s.search(("users",)), by_place)
agree("search a partial label", lambda s: s.search(("user",)), as_list)
agree("search everything", lambda s: s.search((), limit=50), by_place)

filters = [
    {"theme": "light"},
    {"theme": {"$eq": "light"}},
    {"theme": {"$ne": "light"}},
    {"size": {"$gt": 12}},
    {"size": {"$gt": 14}},
    {"size": {"$gte": 14}},
    {"size": {"$gte": 10, "$lt": 14}},
    {"size": {"$lte": 10}},
    {"year": 2019},
    {"tags": ["tea"]},
    {"address": {"city": "Lyon"}},
    {"missing": "x"},
]
for filter_ in filters:
    agree(f"filter {filter_}", lambda s: s.search(("users",), filter=filter_, limit=50), by_place)

for limit, offset in [(1, 0), (1, 1), (2, 1), (10, 5), (0, 0)]:
    agree(f"limit {limit} offset {offset}", lambda s: s.search(("docs", "archive"), limit=limit, offset=offset), as_list)

listings = [
    {},
    {"prefix": ("users",)},
    {"suffix": ("archive",)},
    {"prefix": ("users", "*")},
    {"prefix": ("*", "alice")},
    {"max_depth": 1},
    {"prefix": ("docs",), "max_depth": 2},
    {"limit": 2, "offset": 1},
]
for options in listings:
    agree(f"list_namespaces {options}", lambda s: s.list_namespaces(**options))

# After the listings: InMemoryStore's get creates the namespace it looks in, which it would list.
agree("a namespace that is only a prefix", lambda s: s.get(("users",), "prefs"), plain)

agree("delete", lambda s: s.delete(("docs", "archive"), "ivf"))
agree("get a deleted item", lambda s: s.get(("docs", "archive"), "ivf"), plain)
agree("search after delete", lambda s: s.search(("docs",)), by_place)
agree("write a deleted key again", lambda s: s.put(("docs", "archive"), "ivf", {"title": "IVF again", "year": 2025}))
agree("get it", lambda s: s.get(("docs", "archive"), "ivf"), plain)
agree("delete a key never written", lambda s: s.delete(("docs",), "nothing"))

# The async API answers as the sync one.
assert plain(asyncio.run(engram.aget(("users", "alice"), "profile"))) == plain(reference.get(("users", "alice"), "profile"))
assert by_place(asyncio.run(engram.asearch(("users",)))) == by_place(reference.search(("users",)))

# Found by what it says (InMemoryStore without an index ignores a query).
found = engram.search(("docs",), query="postgres tuning")
assert found[0].key == "tuning", found
assert isinstance(found[0].score, float)

# A TTL is the memory's expiry, and a read that refreshes moves it on.
memories = memory_service_pb2_grpc.MemoryServiceStub(channel)
auth = [("authorization", f"Bearer {os.environ['ENGRAM_API_KEY']}")]


def expiry(key):
    page = memories.ListMemories(
        memory_service_pb2.ListMemoriesRequest(filter=memory_pb2.MemoryFilter(subject_id="sessions", key=key)),
        metadata=auth,
    )
    return page.memories[0].expire_time.ToDatetime(tzinfo=timezone.utc).timestamp()


engram.put(("sessions",), "s1", {"step": 1}, ttl=1)
first = expiry("s1")
assert abs(first - (time.time() + 60)) < 10, first - time.time()
time.sleep(1.1)
engram.get(("sessions",), "s1", refresh_ttl=False)
assert expiry("s1") == first
engram.get(("sessions",), "s1")
assert expiry("s1") > first

# On purpose: a namespace whose last item is deleted is no longer listed (as the Postgres store).
engram.delete(("users", "bob"), "prefs")
assert ("users", "bob") not in engram.list_namespaces(prefix=("users",))
print("differential: Engram and InMemoryStore agree")
