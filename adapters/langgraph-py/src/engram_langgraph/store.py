"""LangGraph's BaseStore over Engram: an item is a keyed memory (docs/adapters.md)."""

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

import grpc
from google.protobuf import duration_pb2, field_mask_pb2, json_format, struct_pb2, timestamp_pb2
from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from engram.v1 import entity_service_pb2, entity_service_pb2_grpc, memory_pb2, memory_service_pb2
from engram.v1 import memory_service_pb2_grpc
from engram_langgraph.namespaces import labels_of, namespace_of, select_namespaces, subject_id_of
from engram_langgraph.values import content_of, from_json, matches_filter, server_filter_of

ITEM_KIND = "langgraph_item"
_PAGE = 500
_SEARCH_MAX = 100


class EngramStore(BaseStore):
    """Namespaces are subjects, keys are keys, values are the memory's metadata.value.

    A put's ttl (minutes) becomes the memory's expiry; a read that refreshes TTLs moves the
    expiry of the items it returns, as LangGraph's TTL stores do.
    """

    supports_ttl = True

    def __init__(self, channel: grpc.Channel, api_key: str, *, subject_type: str = "langgraph", agent_id: str = ""):
        self._memories = memory_service_pb2_grpc.MemoryServiceStub(channel)
        self._entities = entity_service_pb2_grpc.EntityServiceStub(channel)
        self._auth = [("authorization", f"Bearer {api_key}")]
        self._subject_type = subject_type
        self._agent_id = agent_id

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        # In order: a put then a get of the same key in one batch reads the put.
        return [self._run(op) for op in ops]

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        # The gRPC stubs block: a worker thread keeps the event loop free.
        return await asyncio.to_thread(self.batch, list(ops))

    def _run(self, op: Op) -> Result:
        if isinstance(op, GetOp):
            memory = self._find(op.namespace, op.key)
            if memory is not None and op.refresh_ttl:
                memory = self._refreshed(memory)
            return None if memory is None else _item_of(memory)
        if isinstance(op, PutOp):
            return self._put(op)
        if isinstance(op, SearchOp):
            return self._search(op)
        if isinstance(op, ListNamespacesOp):
            return self._namespaces(op)
        raise ValueError(f"unknown operation {type(op).__name__}")

    def _put(self, op: PutOp) -> None:
        if op.value is None:
            memory = self._find(op.namespace, op.key)
            if memory is not None:
                self._memories.DeleteMemory(memory_service_pb2.DeleteMemoryRequest(id=memory.id), metadata=self._auth)
            return
        metadata = struct_pb2.Struct()
        langgraph: dict[str, Any] = {"namespace": labels_of(op.namespace)}
        if op.ttl is not None:
            langgraph["ttl_minutes"] = op.ttl
        metadata.update({"langgraph": langgraph, "value": op.value})
        request = memory_service_pb2.WriteMemoryRequest(
            memory=memory_pb2.Memory(
                agent_id=self._agent_id,
                subject_type=self._subject_type,
                subject_id=subject_id_of(op.namespace),
                kind=ITEM_KIND,
                key=op.key,
                content=content_of(op.namespace, op.key, op.value),
                metadata=metadata,
            )
        )
        if op.ttl is not None:
            request.ttl.CopyFrom(duration_pb2.Duration(seconds=round(op.ttl * 60)))
        answer = self._memories.WriteMemory(request, metadata=self._auth)
        if answer.outcome == memory_service_pb2.WRITE_OUTCOME_REJECTED:
            raise ValueError(f"Engram refused the item {'.'.join(op.namespace)}/{op.key}: {answer.reason}")

    def _search(self, op: SearchOp) -> list[SearchItem]:
        wanted = json_format.ParseDict(
            {"langgraph": {"namespace": labels_of(op.namespace_prefix)}, **_value_filter(op.filter)},
            struct_pb2.Struct(),
        )
        memory_filter = memory_pb2.MemoryFilter(
            agent_id=self._agent_id, subject_type=self._subject_type, kinds=[ITEM_KIND], metadata=wanted
        )
        found: list[tuple[memory_pb2.Memory, float | None]] = []
        if op.query:
            request = memory_service_pb2.SearchMemoriesRequest(query=op.query, filter=memory_filter, top_k=_SEARCH_MAX)
            for answer in self._memories.SearchMemories(request, metadata=self._auth):
                if matches_filter(_value_of(answer.memory), op.filter):
                    found.append((answer.memory, answer.score))
        else:
            token = ""
            while True:
                page = self._memories.ListMemories(
                    memory_service_pb2.ListMemoriesRequest(
                        filter=memory_filter, page_size=_PAGE, page_token=token, order_by="create_time asc"
                    ),
                    metadata=self._auth,
                )
                found.extend((m, None) for m in page.memories if matches_filter(_value_of(m), op.filter))
                token = page.next_page_token
                if not token or len(found) >= op.offset + op.limit:
                    break
        chosen = found[op.offset : op.offset + op.limit]
        if op.refresh_ttl:
            chosen = [(self._refreshed(memory), score) for memory, score in chosen]
        return [SearchItem(**_fields_of(memory), score=score) for memory, score in chosen]

    def _namespaces(self, op: ListNamespacesOp) -> list[tuple[str, ...]]:
        subjects: list[tuple[str, ...]] = []
        token = ""
        while True:
            page = self._entities.ListEntities(
                entity_service_pb2.ListEntitiesRequest(
                    agent_id=self._agent_id, type=self._subject_type, page_size=200, page_token=token
                ),
                metadata=self._auth,
            )
            subjects.extend(namespace_of(entity.ref.id) for entity in page.entities)
            token = page.next_page_token
            if not token:
                return select_namespaces(subjects, op)

    def _find(self, namespace: tuple[str, ...], key: str) -> memory_pb2.Memory | None:
        page = self._memories.ListMemories(
            memory_service_pb2.ListMemoriesRequest(
                filter=memory_pb2.MemoryFilter(
                    agent_id=self._agent_id,
                    subject_type=self._subject_type,
                    subject_id=subject_id_of(namespace),
                    kinds=[ITEM_KIND],
                    key=key,
                ),
                page_size=1,
            ),
            metadata=self._auth,
        )
        return page.memories[0] if page.memories else None

    def _refreshed(self, memory: memory_pb2.Memory) -> memory_pb2.Memory:
        ttl = json_format.MessageToDict(memory.metadata).get("langgraph", {}).get("ttl_minutes")
        if ttl is None:
            return memory
        expire = timestamp_pb2.Timestamp()
        expire.FromDatetime(datetime.now(timezone.utc) + timedelta(minutes=ttl))
        answer = self._memories.UpdateMemory(
            memory_service_pb2.UpdateMemoryRequest(
                id=memory.id,
                memory=memory_pb2.Memory(expire_time=expire),
                update_mask=field_mask_pb2.FieldMask(paths=["expire_time"]),
            ),
            metadata=self._auth,
        )
        return answer.memory


def _value_filter(filter_: dict[str, Any] | None) -> dict[str, Any]:
    equal = server_filter_of(filter_)
    return {"value": equal} if equal else {}


def _value_of(memory: memory_pb2.Memory) -> dict[str, Any]:
    return from_json(json_format.MessageToDict(memory.metadata).get("value", {}))


def _fields_of(memory: memory_pb2.Memory) -> dict[str, Any]:
    return {
        "namespace": namespace_of(memory.subject_id),
        "key": memory.key,
        "value": _value_of(memory),
        "created_at": memory.create_time.ToDatetime(tzinfo=timezone.utc),
        "updated_at": memory.update_time.ToDatetime(tzinfo=timezone.utc),
    }


def _item_of(memory: memory_pb2.Memory) -> Item:
    return Item(**_fields_of(memory))
