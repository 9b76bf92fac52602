import datetime

from buf.validate import validate_pb2 as _validate_pb2
from engram.v1 import access_pb2 as _access_pb2
from engram.v1 import memory_pb2 as _memory_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EntityOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENTITY_ORDER_UNSPECIFIED: _ClassVar[EntityOrder]
    ENTITY_ORDER_LAST_SEEN: _ClassVar[EntityOrder]
    ENTITY_ORDER_MENTION_COUNT: _ClassVar[EntityOrder]
    ENTITY_ORDER_NAME: _ClassVar[EntityOrder]
ENTITY_ORDER_UNSPECIFIED: EntityOrder
ENTITY_ORDER_LAST_SEEN: EntityOrder
ENTITY_ORDER_MENTION_COUNT: EntityOrder
ENTITY_ORDER_NAME: EntityOrder

class Entity(_message.Message):
    __slots__ = ("ref", "name", "aliases", "attributes", "mention_count", "first_seen", "last_seen")
    REF_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    MENTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEEN_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_FIELD_NUMBER: _ClassVar[int]
    ref: _memory_pb2.EntityRef
    name: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    attributes: _struct_pb2.Struct
    mention_count: int
    first_seen: _timestamp_pb2.Timestamp
    last_seen: _timestamp_pb2.Timestamp
    def __init__(self, ref: _Optional[_Union[_memory_pb2.EntityRef, _Mapping]] = ..., name: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., attributes: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., mention_count: _Optional[int] = ..., first_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_seen: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GraphTime(_message.Message):
    __slots__ = ("valid_at", "as_of")
    VALID_AT_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    valid_at: _timestamp_pb2.Timestamp
    as_of: _timestamp_pb2.Timestamp
    def __init__(self, valid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., as_of: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListEntitiesRequest(_message.Message):
    __slots__ = ("agent_id", "type", "name_prefix", "query", "order_by", "page_size", "page_token", "time")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_PREFIX_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    type: str
    name_prefix: str
    query: str
    order_by: EntityOrder
    page_size: int
    page_token: str
    time: GraphTime
    def __init__(self, agent_id: _Optional[str] = ..., type: _Optional[str] = ..., name_prefix: _Optional[str] = ..., query: _Optional[str] = ..., order_by: _Optional[_Union[EntityOrder, str]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., time: _Optional[_Union[GraphTime, _Mapping]] = ...) -> None: ...

class ListEntitiesResponse(_message.Message):
    __slots__ = ("entities", "next_page_token")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    next_page_token: str
    def __init__(self, entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetEntityRequest(_message.Message):
    __slots__ = ("type", "id", "agent_id", "memory_limit", "time")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    MEMORY_LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    agent_id: str
    memory_limit: int
    time: GraphTime
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., agent_id: _Optional[str] = ..., memory_limit: _Optional[int] = ..., time: _Optional[_Union[GraphTime, _Mapping]] = ...) -> None: ...

class GetEntityResponse(_message.Message):
    __slots__ = ("entity", "memories", "merges")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    MEMORIES_FIELD_NUMBER: _ClassVar[int]
    MERGES_FIELD_NUMBER: _ClassVar[int]
    entity: Entity
    memories: _containers.RepeatedCompositeFieldContainer[_memory_pb2.Memory]
    merges: _containers.RepeatedCompositeFieldContainer[EntityMerge]
    def __init__(self, entity: _Optional[_Union[Entity, _Mapping]] = ..., memories: _Optional[_Iterable[_Union[_memory_pb2.Memory, _Mapping]]] = ..., merges: _Optional[_Iterable[_Union[EntityMerge, _Mapping]]] = ...) -> None: ...

class EntityMerge(_message.Message):
    __slots__ = ("id", "into", "create_time", "undo_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    INTO_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UNDO_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    into: _memory_pb2.EntityRef
    create_time: _timestamp_pb2.Timestamp
    undo_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., into: _Optional[_Union[_memory_pb2.EntityRef, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., undo_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., **kwargs) -> None: ...

class MergeEntitiesRequest(_message.Message):
    __slots__ = ("into", "agent_id")
    FROM_FIELD_NUMBER: _ClassVar[int]
    INTO_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    into: _memory_pb2.EntityRef
    agent_id: str
    def __init__(self, into: _Optional[_Union[_memory_pb2.EntityRef, _Mapping]] = ..., agent_id: _Optional[str] = ..., **kwargs) -> None: ...

class MergeEntitiesResponse(_message.Message):
    __slots__ = ("merge",)
    MERGE_FIELD_NUMBER: _ClassVar[int]
    merge: EntityMerge
    def __init__(self, merge: _Optional[_Union[EntityMerge, _Mapping]] = ...) -> None: ...

class UndoEntityMergeRequest(_message.Message):
    __slots__ = ("merge_id", "agent_id")
    MERGE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    merge_id: str
    agent_id: str
    def __init__(self, merge_id: _Optional[str] = ..., agent_id: _Optional[str] = ...) -> None: ...

class UndoEntityMergeResponse(_message.Message):
    __slots__ = ("merge",)
    MERGE_FIELD_NUMBER: _ClassVar[int]
    merge: EntityMerge
    def __init__(self, merge: _Optional[_Union[EntityMerge, _Mapping]] = ...) -> None: ...

class UpdateEntityRequest(_message.Message):
    __slots__ = ("type", "id", "agent_id", "entity", "update_mask")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    agent_id: str
    entity: Entity
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., agent_id: _Optional[str] = ..., entity: _Optional[_Union[Entity, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateEntityResponse(_message.Message):
    __slots__ = ("entity",)
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    entity: Entity
    def __init__(self, entity: _Optional[_Union[Entity, _Mapping]] = ...) -> None: ...

class GraphEdge(_message.Message):
    __slots__ = ("subject", "predicate", "object", "weight", "memory_ids")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    MEMORY_IDS_FIELD_NUMBER: _ClassVar[int]
    subject: _memory_pb2.EntityRef
    predicate: str
    object: _memory_pb2.EntityRef
    weight: int
    memory_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject: _Optional[_Union[_memory_pb2.EntityRef, _Mapping]] = ..., predicate: _Optional[str] = ..., object: _Optional[_Union[_memory_pb2.EntityRef, _Mapping]] = ..., weight: _Optional[int] = ..., memory_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetEntityGraphRequest(_message.Message):
    __slots__ = ("type", "id", "agent_id", "depth", "predicates", "types", "limit", "time")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    PREDICATES_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    agent_id: str
    depth: int
    predicates: _containers.RepeatedScalarFieldContainer[str]
    types: _containers.RepeatedScalarFieldContainer[str]
    limit: int
    time: GraphTime
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., agent_id: _Optional[str] = ..., depth: _Optional[int] = ..., predicates: _Optional[_Iterable[str]] = ..., types: _Optional[_Iterable[str]] = ..., limit: _Optional[int] = ..., time: _Optional[_Union[GraphTime, _Mapping]] = ...) -> None: ...

class GetEntityGraphResponse(_message.Message):
    __slots__ = ("entities", "edges", "truncated")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[Entity]
    edges: _containers.RepeatedCompositeFieldContainer[GraphEdge]
    truncated: bool
    def __init__(self, entities: _Optional[_Iterable[_Union[Entity, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[GraphEdge, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class FindEntityPathsRequest(_message.Message):
    __slots__ = ("type", "id", "to_type", "to_id", "agent_id", "max_depth", "max_paths", "predicates", "time")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    TO_TYPE_FIELD_NUMBER: _ClassVar[int]
    TO_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_PATHS_FIELD_NUMBER: _ClassVar[int]
    PREDICATES_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    to_type: str
    to_id: str
    agent_id: str
    max_depth: int
    max_paths: int
    predicates: _containers.RepeatedScalarFieldContainer[str]
    time: GraphTime
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., to_type: _Optional[str] = ..., to_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., max_depth: _Optional[int] = ..., max_paths: _Optional[int] = ..., predicates: _Optional[_Iterable[str]] = ..., time: _Optional[_Union[GraphTime, _Mapping]] = ...) -> None: ...

class EntityPath(_message.Message):
    __slots__ = ("entities", "edges")
    ENTITIES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    entities: _containers.RepeatedCompositeFieldContainer[_memory_pb2.EntityRef]
    edges: _containers.RepeatedCompositeFieldContainer[GraphEdge]
    def __init__(self, entities: _Optional[_Iterable[_Union[_memory_pb2.EntityRef, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[GraphEdge, _Mapping]]] = ...) -> None: ...

class FindEntityPathsResponse(_message.Message):
    __slots__ = ("paths",)
    PATHS_FIELD_NUMBER: _ClassVar[int]
    paths: _containers.RepeatedCompositeFieldContainer[EntityPath]
    def __init__(self, paths: _Optional[_Iterable[_Union[EntityPath, _Mapping]]] = ...) -> None: ...
