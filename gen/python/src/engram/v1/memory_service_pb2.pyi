import datetime

from buf.validate import validate_pb2 as _validate_pb2
from engram.v1 import access_pb2 as _access_pb2
from engram.v1 import entity_service_pb2 as _entity_service_pb2
from engram.v1 import memory_pb2 as _memory_pb2
from engram.v1 import rest_pb2 as _rest_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WriteOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WRITE_OUTCOME_UNSPECIFIED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_CREATED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_UPDATED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_REVIVED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_MERGED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_REJECTED: _ClassVar[WriteOutcome]
    WRITE_OUTCOME_UNCHANGED: _ClassVar[WriteOutcome]

class SearchMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEARCH_MODE_UNSPECIFIED: _ClassVar[SearchMode]
    SEARCH_MODE_HYBRID: _ClassVar[SearchMode]
    SEARCH_MODE_SEMANTIC: _ClassVar[SearchMode]
    SEARCH_MODE_KEYWORD: _ClassVar[SearchMode]

class GraphExpansion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRAPH_EXPANSION_UNSPECIFIED: _ClassVar[GraphExpansion]
    GRAPH_EXPANSION_OFF: _ClassVar[GraphExpansion]
    GRAPH_EXPANSION_NEIGHBOURS: _ClassVar[GraphExpansion]

class GraphLink(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRAPH_LINK_UNSPECIFIED: _ClassVar[GraphLink]
    GRAPH_LINK_NAMED: _ClassVar[GraphLink]
    GRAPH_LINK_NEIGHBOUR: _ClassVar[GraphLink]
WRITE_OUTCOME_UNSPECIFIED: WriteOutcome
WRITE_OUTCOME_CREATED: WriteOutcome
WRITE_OUTCOME_UPDATED: WriteOutcome
WRITE_OUTCOME_REVIVED: WriteOutcome
WRITE_OUTCOME_MERGED: WriteOutcome
WRITE_OUTCOME_REJECTED: WriteOutcome
WRITE_OUTCOME_UNCHANGED: WriteOutcome
SEARCH_MODE_UNSPECIFIED: SearchMode
SEARCH_MODE_HYBRID: SearchMode
SEARCH_MODE_SEMANTIC: SearchMode
SEARCH_MODE_KEYWORD: SearchMode
GRAPH_EXPANSION_UNSPECIFIED: GraphExpansion
GRAPH_EXPANSION_OFF: GraphExpansion
GRAPH_EXPANSION_NEIGHBOURS: GraphExpansion
GRAPH_LINK_UNSPECIFIED: GraphLink
GRAPH_LINK_NAMED: GraphLink
GRAPH_LINK_NEIGHBOUR: GraphLink

class WriteMemoryRequest(_message.Message):
    __slots__ = ("memory", "ttl", "request_id", "validate_only", "supersedes", "supersede_conflicts")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    VALIDATE_ONLY_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDES_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDE_CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    ttl: _duration_pb2.Duration
    request_id: str
    validate_only: bool
    supersedes: _containers.RepeatedScalarFieldContainer[str]
    supersede_conflicts: bool
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., request_id: _Optional[str] = ..., validate_only: _Optional[bool] = ..., supersedes: _Optional[_Iterable[str]] = ..., supersede_conflicts: _Optional[bool] = ...) -> None: ...

class WriteMemoryResponse(_message.Message):
    __slots__ = ("memory", "outcome", "reason", "guard_confidence", "similarity", "classified_kind", "possible_conflicts", "superseded")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    GUARD_CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    CLASSIFIED_KIND_FIELD_NUMBER: _ClassVar[int]
    POSSIBLE_CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    outcome: WriteOutcome
    reason: str
    guard_confidence: float
    similarity: float
    classified_kind: str
    possible_conflicts: _containers.RepeatedCompositeFieldContainer[PossibleConflict]
    superseded: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., outcome: _Optional[_Union[WriteOutcome, str]] = ..., reason: _Optional[str] = ..., guard_confidence: _Optional[float] = ..., similarity: _Optional[float] = ..., classified_kind: _Optional[str] = ..., possible_conflicts: _Optional[_Iterable[_Union[PossibleConflict, _Mapping]]] = ..., superseded: _Optional[_Iterable[str]] = ...) -> None: ...

class PossibleConflict(_message.Message):
    __slots__ = ("memory", "similarity", "contradicts", "contradiction")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    CONTRADICTS_FIELD_NUMBER: _ClassVar[int]
    CONTRADICTION_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    similarity: float
    contradicts: bool
    contradiction: str
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., similarity: _Optional[float] = ..., contradicts: _Optional[bool] = ..., contradiction: _Optional[str] = ...) -> None: ...

class BatchWriteMemoriesRequest(_message.Message):
    __slots__ = ("requests", "atomic")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[WriteMemoryRequest]
    atomic: bool
    def __init__(self, requests: _Optional[_Iterable[_Union[WriteMemoryRequest, _Mapping]]] = ..., atomic: _Optional[bool] = ...) -> None: ...

class BatchWriteMemoriesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchWriteResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchWriteResult, _Mapping]]] = ...) -> None: ...

class BatchWriteResult(_message.Message):
    __slots__ = ("response", "error")
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    response: WriteMemoryResponse
    error: _status_pb2.Status
    def __init__(self, response: _Optional[_Union[WriteMemoryResponse, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...

class GetMemoryRequest(_message.Message):
    __slots__ = ("id", "agent_id", "as_of")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class ListMemoriesRequest(_message.Message):
    __slots__ = ("filter", "page_size", "page_token", "order_by", "as_of")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    filter: _memory_pb2.MemoryFilter
    page_size: int
    page_token: str
    order_by: str
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., order_by: _Optional[str] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMemoriesResponse(_message.Message):
    __slots__ = ("memories", "next_page_token", "watch_cursor")
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    WATCH_CURSOR_FIELD_NUMBER: _ClassVar[int]
    memories: _containers.RepeatedCompositeFieldContainer[_memory_pb2.Memory]
    next_page_token: str
    watch_cursor: str
    def __init__(self, memories: _Optional[_Iterable[_Union[_memory_pb2.Memory, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., watch_cursor: _Optional[str] = ...) -> None: ...

class UpdateMemoryRequest(_message.Message):
    __slots__ = ("id", "agent_id", "memory", "update_mask", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    memory: _memory_pb2.Memory
    update_mask: _field_mask_pb2.FieldMask
    etag: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class UpdateMemoryResponse(_message.Message):
    __slots__ = ("memory", "outcome")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    outcome: WriteOutcome
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., outcome: _Optional[_Union[WriteOutcome, str]] = ...) -> None: ...

class DeleteMemoryRequest(_message.Message):
    __slots__ = ("id", "agent_id", "reason", "etag")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    reason: str
    etag: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., reason: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class DeleteMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class UndeleteMemoryRequest(_message.Message):
    __slots__ = ("id", "agent_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class UndeleteMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class ListMemoryRevisionsRequest(_message.Message):
    __slots__ = ("id", "agent_id", "page_size", "page_token")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    page_size: int
    page_token: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMemoryRevisionsResponse(_message.Message):
    __slots__ = ("revisions", "next_page_token")
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[_memory_pb2.MemoryRevision]
    next_page_token: str
    def __init__(self, revisions: _Optional[_Iterable[_Union[_memory_pb2.MemoryRevision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UnsupersedeMemoryRequest(_message.Message):
    __slots__ = ("id", "agent_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class UnsupersedeMemoryResponse(_message.Message):
    __slots__ = ("memory",)
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class SearchMemoriesRequest(_message.Message):
    __slots__ = ("query", "filter", "top_k", "min_score", "mode", "rerank", "graph_expansion")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    MIN_SCORE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    RERANK_FIELD_NUMBER: _ClassVar[int]
    GRAPH_EXPANSION_FIELD_NUMBER: _ClassVar[int]
    query: str
    filter: _memory_pb2.MemoryFilter
    top_k: int
    min_score: float
    mode: SearchMode
    rerank: bool
    graph_expansion: GraphExpansion
    def __init__(self, query: _Optional[str] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., top_k: _Optional[int] = ..., min_score: _Optional[float] = ..., mode: _Optional[_Union[SearchMode, str]] = ..., rerank: _Optional[bool] = ..., graph_expansion: _Optional[_Union[GraphExpansion, str]] = ...) -> None: ...

class SearchMemoriesResponse(_message.Message):
    __slots__ = ("memory", "score", "rank", "semantic_score", "keyword_score", "mode", "rerank_score", "graph_link")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_SCORE_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_SCORE_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    RERANK_SCORE_FIELD_NUMBER: _ClassVar[int]
    GRAPH_LINK_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    score: float
    rank: int
    semantic_score: float
    keyword_score: float
    mode: SearchMode
    rerank_score: float
    graph_link: GraphLink
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., score: _Optional[float] = ..., rank: _Optional[int] = ..., semantic_score: _Optional[float] = ..., keyword_score: _Optional[float] = ..., mode: _Optional[_Union[SearchMode, str]] = ..., rerank_score: _Optional[float] = ..., graph_link: _Optional[_Union[GraphLink, str]] = ...) -> None: ...

class GetMemoryStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetMemoryStatsResponse(_message.Message):
    __slots__ = ("workspace_id", "active", "deleted", "expired", "embedding_backlog", "embedding_failed", "embedding_model", "embedder_configured", "kinds", "agents", "created_by_day", "superseded", "rerank_model")
    WORKSPACE_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_BACKLOG_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_FAILED_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODEL_FIELD_NUMBER: _ClassVar[int]
    EMBEDDER_CONFIGURED_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    AGENTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_DAY_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    RERANK_MODEL_FIELD_NUMBER: _ClassVar[int]
    workspace_id: str
    active: int
    deleted: int
    expired: int
    embedding_backlog: int
    embedding_failed: int
    embedding_model: str
    embedder_configured: bool
    kinds: _containers.RepeatedCompositeFieldContainer[NamedCount]
    agents: _containers.RepeatedCompositeFieldContainer[NamedCount]
    created_by_day: _containers.RepeatedCompositeFieldContainer[DailyCount]
    superseded: int
    rerank_model: str
    def __init__(self, workspace_id: _Optional[str] = ..., active: _Optional[int] = ..., deleted: _Optional[int] = ..., expired: _Optional[int] = ..., embedding_backlog: _Optional[int] = ..., embedding_failed: _Optional[int] = ..., embedding_model: _Optional[str] = ..., embedder_configured: _Optional[bool] = ..., kinds: _Optional[_Iterable[_Union[NamedCount, _Mapping]]] = ..., agents: _Optional[_Iterable[_Union[NamedCount, _Mapping]]] = ..., created_by_day: _Optional[_Iterable[_Union[DailyCount, _Mapping]]] = ..., superseded: _Optional[int] = ..., rerank_model: _Optional[str] = ...) -> None: ...

class NamedCount(_message.Message):
    __slots__ = ("name", "count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    count: int
    def __init__(self, name: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class DailyCount(_message.Message):
    __slots__ = ("day", "count")
    DAY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    day: str
    count: int
    def __init__(self, day: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ExportMemoriesRequest(_message.Message):
    __slots__ = ("filter",)
    FILTER_FIELD_NUMBER: _ClassVar[int]
    filter: _memory_pb2.MemoryFilter
    def __init__(self, filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ...) -> None: ...

class ExportMemoriesResponse(_message.Message):
    __slots__ = ("memory", "embedding", "revisions", "entities", "merges")
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    MERGES_FIELD_NUMBER: _ClassVar[int]
    memory: _memory_pb2.Memory
    embedding: _containers.RepeatedScalarFieldContainer[float]
    revisions: _containers.RepeatedCompositeFieldContainer[_memory_pb2.MemoryRevision]
    entities: _containers.RepeatedCompositeFieldContainer[_entity_service_pb2.Entity]
    merges: _containers.RepeatedCompositeFieldContainer[_entity_service_pb2.EntityMerge]
    def __init__(self, memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ..., embedding: _Optional[_Iterable[float]] = ..., revisions: _Optional[_Iterable[_Union[_memory_pb2.MemoryRevision, _Mapping]]] = ..., entities: _Optional[_Iterable[_Union[_entity_service_pb2.Entity, _Mapping]]] = ..., merges: _Optional[_Iterable[_Union[_entity_service_pb2.EntityMerge, _Mapping]]] = ...) -> None: ...

class ImportMemoriesRequest(_message.Message):
    __slots__ = ("memories",)
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    memories: _containers.RepeatedCompositeFieldContainer[ExportMemoriesResponse]
    def __init__(self, memories: _Optional[_Iterable[_Union[ExportMemoriesResponse, _Mapping]]] = ...) -> None: ...

class ImportMemoriesResponse(_message.Message):
    __slots__ = ("created", "replaced", "unchanged", "vectors_kept")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    REPLACED_FIELD_NUMBER: _ClassVar[int]
    UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    VECTORS_KEPT_FIELD_NUMBER: _ClassVar[int]
    created: int
    replaced: int
    unchanged: int
    vectors_kept: int
    def __init__(self, created: _Optional[int] = ..., replaced: _Optional[int] = ..., unchanged: _Optional[int] = ..., vectors_kept: _Optional[int] = ...) -> None: ...

class WatchMemoriesRequest(_message.Message):
    __slots__ = ("filter", "after_cursor")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    filter: _memory_pb2.MemoryFilter
    after_cursor: str
    def __init__(self, filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., after_cursor: _Optional[str] = ...) -> None: ...

class WatchMemoriesResponse(_message.Message):
    __slots__ = ("change", "heartbeat")
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    change: ChangeEvent
    heartbeat: Heartbeat
    def __init__(self, change: _Optional[_Union[ChangeEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class ChangeEvent(_message.Message):
    __slots__ = ("cursor", "change", "revision", "change_time", "key_id", "agent_id", "reason", "memory")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    change: _memory_pb2.MemoryChange
    revision: int
    change_time: _timestamp_pb2.Timestamp
    key_id: str
    agent_id: str
    reason: str
    memory: _memory_pb2.Memory
    def __init__(self, cursor: _Optional[str] = ..., change: _Optional[_Union[_memory_pb2.MemoryChange, str]] = ..., revision: _Optional[int] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., reason: _Optional[str] = ..., memory: _Optional[_Union[_memory_pb2.Memory, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("cursor", "time")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    time: _timestamp_pb2.Timestamp
    def __init__(self, cursor: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class EraseMemoriesRequest(_message.Message):
    __slots__ = ("ids", "filter", "created_after", "created_before", "owner_agent_id", "agent_id", "dry_run")
    IDS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    filter: _memory_pb2.MemoryFilter
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    owner_agent_id: str
    agent_id: str
    dry_run: bool
    def __init__(self, ids: _Optional[_Iterable[str]] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_agent_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class EraseMemoriesResponse(_message.Message):
    __slots__ = ("progress", "receipt")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    progress: ErasureProgress
    receipt: ErasureReceipt
    def __init__(self, progress: _Optional[_Union[ErasureProgress, _Mapping]] = ..., receipt: _Optional[_Union[ErasureReceipt, _Mapping]] = ...) -> None: ...

class ErasureProgress(_message.Message):
    __slots__ = ("erased", "total")
    ERASED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    erased: int
    total: int
    def __init__(self, erased: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class ErasureReceipt(_message.Message):
    __slots__ = ("id", "time", "key_id", "agent_id", "filter", "created_after", "created_before", "owner_agent_id", "requested_ids", "counts", "erased_ids_digest", "dry_run", "duration", "batches", "complete")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_AFTER_FIELD_NUMBER: _ClassVar[int]
    CREATED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_IDS_FIELD_NUMBER: _ClassVar[int]
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    ERASED_IDS_DIGEST_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    COMPLETE_FIELD_NUMBER: _ClassVar[int]
    id: str
    time: _timestamp_pb2.Timestamp
    key_id: str
    agent_id: str
    filter: _memory_pb2.MemoryFilter
    created_after: _timestamp_pb2.Timestamp
    created_before: _timestamp_pb2.Timestamp
    owner_agent_id: str
    requested_ids: int
    counts: ErasureCounts
    erased_ids_digest: str
    dry_run: bool
    duration: _duration_pb2.Duration
    batches: int
    complete: bool
    def __init__(self, id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., created_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., owner_agent_id: _Optional[str] = ..., requested_ids: _Optional[int] = ..., counts: _Optional[_Union[ErasureCounts, _Mapping]] = ..., erased_ids_digest: _Optional[str] = ..., dry_run: _Optional[bool] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., batches: _Optional[int] = ..., complete: _Optional[bool] = ...) -> None: ...

class ErasureCounts(_message.Message):
    __slots__ = ("memories", "revisions", "changes", "staged_writes", "write_requests", "mentions", "entities", "entity_merges")
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    STAGED_WRITES_FIELD_NUMBER: _ClassVar[int]
    WRITE_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    ENTITY_MERGES_FIELD_NUMBER: _ClassVar[int]
    memories: int
    revisions: int
    changes: int
    staged_writes: int
    write_requests: int
    mentions: int
    entities: int
    entity_merges: int
    def __init__(self, memories: _Optional[int] = ..., revisions: _Optional[int] = ..., changes: _Optional[int] = ..., staged_writes: _Optional[int] = ..., write_requests: _Optional[int] = ..., mentions: _Optional[int] = ..., entities: _Optional[int] = ..., entity_merges: _Optional[int] = ...) -> None: ...

class ListErasureReceiptsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListErasureReceiptsResponse(_message.Message):
    __slots__ = ("receipts", "next_page_token")
    RECEIPTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    receipts: _containers.RepeatedCompositeFieldContainer[ErasureReceipt]
    next_page_token: str
    def __init__(self, receipts: _Optional[_Iterable[_Union[ErasureReceipt, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetErasureReceiptRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetErasureReceiptResponse(_message.Message):
    __slots__ = ("receipt",)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: ErasureReceipt
    def __init__(self, receipt: _Optional[_Union[ErasureReceipt, _Mapping]] = ...) -> None: ...
