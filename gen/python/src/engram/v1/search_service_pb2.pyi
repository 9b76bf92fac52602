import datetime

from buf.validate import validate_pb2 as _validate_pb2
from engram.v1 import access_pb2 as _access_pb2
from engram.v1 import memory_pb2 as _memory_pb2
from engram.v1 import memory_service_pb2 as _memory_service_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchSettings(_message.Message):
    __slots__ = ("semantic_weight", "candidate_pool", "rerank_candidates", "rerank_weight", "rerank_by_default")
    SEMANTIC_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_POOL_FIELD_NUMBER: _ClassVar[int]
    RERANK_CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    RERANK_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    RERANK_BY_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    semantic_weight: float
    candidate_pool: int
    rerank_candidates: int
    rerank_weight: float
    rerank_by_default: bool
    def __init__(self, semantic_weight: _Optional[float] = ..., candidate_pool: _Optional[int] = ..., rerank_candidates: _Optional[int] = ..., rerank_weight: _Optional[float] = ..., rerank_by_default: _Optional[bool] = ...) -> None: ...

class SearchSettingsRevision(_message.Message):
    __slots__ = ("revision", "settings", "effective", "update_time", "updated_by_key_id", "reason")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    revision: int
    settings: SearchSettings
    effective: SearchSettings
    update_time: _timestamp_pb2.Timestamp
    updated_by_key_id: str
    reason: str
    def __init__(self, revision: _Optional[int] = ..., settings: _Optional[_Union[SearchSettings, _Mapping]] = ..., effective: _Optional[_Union[SearchSettings, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by_key_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class GetSearchSettingsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSearchSettingsResponse(_message.Message):
    __slots__ = ("current",)
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    current: SearchSettingsRevision
    def __init__(self, current: _Optional[_Union[SearchSettingsRevision, _Mapping]] = ...) -> None: ...

class UpdateSearchSettingsRequest(_message.Message):
    __slots__ = ("settings", "expected_revision", "reason")
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVISION_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    settings: SearchSettings
    expected_revision: int
    reason: str
    def __init__(self, settings: _Optional[_Union[SearchSettings, _Mapping]] = ..., expected_revision: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class UpdateSearchSettingsResponse(_message.Message):
    __slots__ = ("current",)
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    current: SearchSettingsRevision
    def __init__(self, current: _Optional[_Union[SearchSettingsRevision, _Mapping]] = ...) -> None: ...

class ListSearchSettingsRevisionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListSearchSettingsRevisionsResponse(_message.Message):
    __slots__ = ("revisions", "next_page_token")
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    revisions: _containers.RepeatedCompositeFieldContainer[SearchSettingsRevision]
    next_page_token: str
    def __init__(self, revisions: _Optional[_Iterable[_Union[SearchSettingsRevision, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class LabeledQuery(_message.Message):
    __slots__ = ("query", "filter", "expected_ids", "expected_keys", "expected_metadata", "label")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_IDS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_KEYS_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_METADATA_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    query: str
    filter: _memory_pb2.MemoryFilter
    expected_ids: _containers.RepeatedScalarFieldContainer[str]
    expected_keys: _containers.RepeatedScalarFieldContainer[str]
    expected_metadata: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Struct]
    label: str
    def __init__(self, query: _Optional[str] = ..., filter: _Optional[_Union[_memory_pb2.MemoryFilter, _Mapping]] = ..., expected_ids: _Optional[_Iterable[str]] = ..., expected_keys: _Optional[_Iterable[str]] = ..., expected_metadata: _Optional[_Iterable[_Union[_struct_pb2.Struct, _Mapping]]] = ..., label: _Optional[str] = ...) -> None: ...

class SearchConfiguration(_message.Message):
    __slots__ = ("mode", "rerank", "graph_expansion", "settings")
    MODE_FIELD_NUMBER: _ClassVar[int]
    RERANK_FIELD_NUMBER: _ClassVar[int]
    GRAPH_EXPANSION_FIELD_NUMBER: _ClassVar[int]
    SETTINGS_FIELD_NUMBER: _ClassVar[int]
    mode: _memory_service_pb2.SearchMode
    rerank: bool
    graph_expansion: _memory_service_pb2.GraphExpansion
    settings: SearchSettings
    def __init__(self, mode: _Optional[_Union[_memory_service_pb2.SearchMode, str]] = ..., rerank: _Optional[bool] = ..., graph_expansion: _Optional[_Union[_memory_service_pb2.GraphExpansion, str]] = ..., settings: _Optional[_Union[SearchSettings, _Mapping]] = ...) -> None: ...

class EvaluateSearchRequest(_message.Message):
    __slots__ = ("queries", "k", "configurations")
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    K_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATIONS_FIELD_NUMBER: _ClassVar[int]
    queries: _containers.RepeatedCompositeFieldContainer[LabeledQuery]
    k: int
    configurations: _containers.RepeatedCompositeFieldContainer[SearchConfiguration]
    def __init__(self, queries: _Optional[_Iterable[_Union[LabeledQuery, _Mapping]]] = ..., k: _Optional[int] = ..., configurations: _Optional[_Iterable[_Union[SearchConfiguration, _Mapping]]] = ...) -> None: ...

class EvaluateSearchResponse(_message.Message):
    __slots__ = ("query", "summary")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    query: QueryEvaluation
    summary: EvaluationSummary
    def __init__(self, query: _Optional[_Union[QueryEvaluation, _Mapping]] = ..., summary: _Optional[_Union[EvaluationSummary, _Mapping]] = ...) -> None: ...

class QueryEvaluation(_message.Message):
    __slots__ = ("query_index", "label", "configuration", "searched_mode", "reranked", "expected", "found", "recall", "first_rank", "reciprocal_rank", "ndcg", "latency_ms")
    QUERY_INDEX_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    SEARCHED_MODE_FIELD_NUMBER: _ClassVar[int]
    RERANKED_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_FIELD_NUMBER: _ClassVar[int]
    FOUND_FIELD_NUMBER: _ClassVar[int]
    RECALL_FIELD_NUMBER: _ClassVar[int]
    FIRST_RANK_FIELD_NUMBER: _ClassVar[int]
    RECIPROCAL_RANK_FIELD_NUMBER: _ClassVar[int]
    NDCG_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    query_index: int
    label: str
    configuration: SearchConfiguration
    searched_mode: _memory_service_pb2.SearchMode
    reranked: bool
    expected: int
    found: int
    recall: float
    first_rank: int
    reciprocal_rank: float
    ndcg: float
    latency_ms: float
    def __init__(self, query_index: _Optional[int] = ..., label: _Optional[str] = ..., configuration: _Optional[_Union[SearchConfiguration, _Mapping]] = ..., searched_mode: _Optional[_Union[_memory_service_pb2.SearchMode, str]] = ..., reranked: _Optional[bool] = ..., expected: _Optional[int] = ..., found: _Optional[int] = ..., recall: _Optional[float] = ..., first_rank: _Optional[int] = ..., reciprocal_rank: _Optional[float] = ..., ndcg: _Optional[float] = ..., latency_ms: _Optional[float] = ...) -> None: ...

class ConfigurationEvaluation(_message.Message):
    __slots__ = ("configuration", "queries", "recall_at_k", "hit_rate_at_k", "mrr", "ndcg_at_k", "latency_p50_ms", "latency_p95_ms", "latency_p99_ms", "reranked")
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    RECALL_AT_K_FIELD_NUMBER: _ClassVar[int]
    HIT_RATE_AT_K_FIELD_NUMBER: _ClassVar[int]
    MRR_FIELD_NUMBER: _ClassVar[int]
    NDCG_AT_K_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_MS_FIELD_NUMBER: _ClassVar[int]
    RERANKED_FIELD_NUMBER: _ClassVar[int]
    configuration: SearchConfiguration
    queries: int
    recall_at_k: float
    hit_rate_at_k: float
    mrr: float
    ndcg_at_k: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_p99_ms: float
    reranked: int
    def __init__(self, configuration: _Optional[_Union[SearchConfiguration, _Mapping]] = ..., queries: _Optional[int] = ..., recall_at_k: _Optional[float] = ..., hit_rate_at_k: _Optional[float] = ..., mrr: _Optional[float] = ..., ndcg_at_k: _Optional[float] = ..., latency_p50_ms: _Optional[float] = ..., latency_p95_ms: _Optional[float] = ..., latency_p99_ms: _Optional[float] = ..., reranked: _Optional[int] = ...) -> None: ...

class EvaluationSummary(_message.Message):
    __slots__ = ("k", "queries", "configurations")
    K_FIELD_NUMBER: _ClassVar[int]
    QUERIES_FIELD_NUMBER: _ClassVar[int]
    CONFIGURATIONS_FIELD_NUMBER: _ClassVar[int]
    k: int
    queries: int
    configurations: _containers.RepeatedCompositeFieldContainer[ConfigurationEvaluation]
    def __init__(self, k: _Optional[int] = ..., queries: _Optional[int] = ..., configurations: _Optional[_Iterable[_Union[ConfigurationEvaluation, _Mapping]]] = ...) -> None: ...
