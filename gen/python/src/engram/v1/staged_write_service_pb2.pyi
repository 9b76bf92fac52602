import datetime

from buf.validate import validate_pb2 as _validate_pb2
from engram.v1 import access_pb2 as _access_pb2
from engram.v1 import memory_service_pb2 as _memory_service_pb2
from engram.v1 import rest_pb2 as _rest_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StagedWriteState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STAGED_WRITE_STATE_UNSPECIFIED: _ClassVar[StagedWriteState]
    STAGED_WRITE_STATE_PENDING: _ClassVar[StagedWriteState]
    STAGED_WRITE_STATE_APPLIED: _ClassVar[StagedWriteState]
    STAGED_WRITE_STATE_DISCARDED: _ClassVar[StagedWriteState]
    STAGED_WRITE_STATE_EXPIRED: _ClassVar[StagedWriteState]
STAGED_WRITE_STATE_UNSPECIFIED: StagedWriteState
STAGED_WRITE_STATE_PENDING: StagedWriteState
STAGED_WRITE_STATE_APPLIED: StagedWriteState
STAGED_WRITE_STATE_DISCARDED: StagedWriteState
STAGED_WRITE_STATE_EXPIRED: StagedWriteState

class StagedWrite(_message.Message):
    __slots__ = ("id", "workspace_id", "agent_id", "staged_by_key_id", "requests", "atomic", "preview", "state", "results", "create_time", "expire_time", "resolve_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STAGED_BY_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    workspace_id: str
    agent_id: str
    staged_by_key_id: str
    requests: _containers.RepeatedCompositeFieldContainer[_memory_service_pb2.WriteMemoryRequest]
    atomic: bool
    preview: _containers.RepeatedCompositeFieldContainer[_memory_service_pb2.BatchWriteResult]
    state: StagedWriteState
    results: _containers.RepeatedCompositeFieldContainer[_memory_service_pb2.BatchWriteResult]
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    resolve_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., workspace_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., staged_by_key_id: _Optional[str] = ..., requests: _Optional[_Iterable[_Union[_memory_service_pb2.WriteMemoryRequest, _Mapping]]] = ..., atomic: _Optional[bool] = ..., preview: _Optional[_Iterable[_Union[_memory_service_pb2.BatchWriteResult, _Mapping]]] = ..., state: _Optional[_Union[StagedWriteState, str]] = ..., results: _Optional[_Iterable[_Union[_memory_service_pb2.BatchWriteResult, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateStagedWriteRequest(_message.Message):
    __slots__ = ("requests", "atomic", "ttl", "apply")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    ATOMIC_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    APPLY_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[_memory_service_pb2.WriteMemoryRequest]
    atomic: bool
    ttl: _duration_pb2.Duration
    apply: bool
    def __init__(self, requests: _Optional[_Iterable[_Union[_memory_service_pb2.WriteMemoryRequest, _Mapping]]] = ..., atomic: _Optional[bool] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., apply: _Optional[bool] = ...) -> None: ...

class CreateStagedWriteResponse(_message.Message):
    __slots__ = ("staged_write",)
    STAGED_WRITE_FIELD_NUMBER: _ClassVar[int]
    staged_write: StagedWrite
    def __init__(self, staged_write: _Optional[_Union[StagedWrite, _Mapping]] = ...) -> None: ...

class ListStagedWritesRequest(_message.Message):
    __slots__ = ("agent_id", "state", "page_size", "page_token")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    state: StagedWriteState
    page_size: int
    page_token: str
    def __init__(self, agent_id: _Optional[str] = ..., state: _Optional[_Union[StagedWriteState, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListStagedWritesResponse(_message.Message):
    __slots__ = ("staged_writes", "next_page_token")
    STAGED_WRITES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    staged_writes: _containers.RepeatedCompositeFieldContainer[StagedWrite]
    next_page_token: str
    def __init__(self, staged_writes: _Optional[_Iterable[_Union[StagedWrite, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetStagedWriteRequest(_message.Message):
    __slots__ = ("id", "agent_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class GetStagedWriteResponse(_message.Message):
    __slots__ = ("staged_write",)
    STAGED_WRITE_FIELD_NUMBER: _ClassVar[int]
    staged_write: StagedWrite
    def __init__(self, staged_write: _Optional[_Union[StagedWrite, _Mapping]] = ...) -> None: ...

class ApplyStagedWriteRequest(_message.Message):
    __slots__ = ("id", "agent_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class ApplyStagedWriteResponse(_message.Message):
    __slots__ = ("staged_write",)
    STAGED_WRITE_FIELD_NUMBER: _ClassVar[int]
    staged_write: StagedWrite
    def __init__(self, staged_write: _Optional[_Union[StagedWrite, _Mapping]] = ...) -> None: ...

class DiscardStagedWriteRequest(_message.Message):
    __slots__ = ("id", "agent_id")
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    agent_id: str
    def __init__(self, id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class DiscardStagedWriteResponse(_message.Message):
    __slots__ = ("staged_write",)
    STAGED_WRITE_FIELD_NUMBER: _ClassVar[int]
    staged_write: StagedWrite
    def __init__(self, staged_write: _Optional[_Union[StagedWrite, _Mapping]] = ...) -> None: ...
