import datetime

from buf.validate import validate_pb2 as _validate_pb2
from engram.v1 import rest_pb2 as _rest_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MentionRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MENTION_ROLE_UNSPECIFIED: _ClassVar[MentionRole]
    MENTION_ROLE_SUBJECT: _ClassVar[MentionRole]
    MENTION_ROLE_LINKED: _ClassVar[MentionRole]
    MENTION_ROLE_CONTENT: _ClassVar[MentionRole]
    MENTION_ROLE_TAG: _ClassVar[MentionRole]
    MENTION_ROLE_RELATION: _ClassVar[MentionRole]

class Visibility(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VISIBILITY_UNSPECIFIED: _ClassVar[Visibility]
    VISIBILITY_PRIVATE: _ClassVar[Visibility]
    VISIBILITY_SHARED: _ClassVar[Visibility]

class Provenance(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROVENANCE_UNSPECIFIED: _ClassVar[Provenance]
    PROVENANCE_EXPLICIT_STATEMENT: _ClassVar[Provenance]
    PROVENANCE_INFERRED: _ClassVar[Provenance]
    PROVENANCE_OBSERVED: _ClassVar[Provenance]
    PROVENANCE_VALIDATED: _ClassVar[Provenance]
    PROVENANCE_CORRECTED: _ClassVar[Provenance]
    PROVENANCE_IMPORTED: _ClassVar[Provenance]

class MemoryState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_STATE_UNSPECIFIED: _ClassVar[MemoryState]
    MEMORY_STATE_ACTIVE: _ClassVar[MemoryState]
    MEMORY_STATE_EXPIRED: _ClassVar[MemoryState]
    MEMORY_STATE_DELETED: _ClassVar[MemoryState]
    MEMORY_STATE_SUPERSEDED: _ClassVar[MemoryState]

class EmbeddingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMBEDDING_STATUS_UNSPECIFIED: _ClassVar[EmbeddingStatus]
    EMBEDDING_STATUS_ATTACHED: _ClassVar[EmbeddingStatus]
    EMBEDDING_STATUS_PENDING: _ClassVar[EmbeddingStatus]
    EMBEDDING_STATUS_FAILED: _ClassVar[EmbeddingStatus]

class MemoryChange(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MEMORY_CHANGE_UNSPECIFIED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_CREATED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_UPDATED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_UPSERTED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_REVIVED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_MERGED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_DELETED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_UNDELETED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_SUPERSEDED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_UNSUPERSEDED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_EXPIRED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_IMPORTED: _ClassVar[MemoryChange]
    MEMORY_CHANGE_ERASED: _ClassVar[MemoryChange]
MENTION_ROLE_UNSPECIFIED: MentionRole
MENTION_ROLE_SUBJECT: MentionRole
MENTION_ROLE_LINKED: MentionRole
MENTION_ROLE_CONTENT: MentionRole
MENTION_ROLE_TAG: MentionRole
MENTION_ROLE_RELATION: MentionRole
VISIBILITY_UNSPECIFIED: Visibility
VISIBILITY_PRIVATE: Visibility
VISIBILITY_SHARED: Visibility
PROVENANCE_UNSPECIFIED: Provenance
PROVENANCE_EXPLICIT_STATEMENT: Provenance
PROVENANCE_INFERRED: Provenance
PROVENANCE_OBSERVED: Provenance
PROVENANCE_VALIDATED: Provenance
PROVENANCE_CORRECTED: Provenance
PROVENANCE_IMPORTED: Provenance
MEMORY_STATE_UNSPECIFIED: MemoryState
MEMORY_STATE_ACTIVE: MemoryState
MEMORY_STATE_EXPIRED: MemoryState
MEMORY_STATE_DELETED: MemoryState
MEMORY_STATE_SUPERSEDED: MemoryState
EMBEDDING_STATUS_UNSPECIFIED: EmbeddingStatus
EMBEDDING_STATUS_ATTACHED: EmbeddingStatus
EMBEDDING_STATUS_PENDING: EmbeddingStatus
EMBEDDING_STATUS_FAILED: EmbeddingStatus
MEMORY_CHANGE_UNSPECIFIED: MemoryChange
MEMORY_CHANGE_CREATED: MemoryChange
MEMORY_CHANGE_UPDATED: MemoryChange
MEMORY_CHANGE_UPSERTED: MemoryChange
MEMORY_CHANGE_REVIVED: MemoryChange
MEMORY_CHANGE_MERGED: MemoryChange
MEMORY_CHANGE_DELETED: MemoryChange
MEMORY_CHANGE_UNDELETED: MemoryChange
MEMORY_CHANGE_SUPERSEDED: MemoryChange
MEMORY_CHANGE_UNSUPERSEDED: MemoryChange
MEMORY_CHANGE_EXPIRED: MemoryChange
MEMORY_CHANGE_IMPORTED: MemoryChange
MEMORY_CHANGE_ERASED: MemoryChange

class Memory(_message.Message):
    __slots__ = ("id", "workspace_id", "agent_id", "subject_type", "subject_id", "kind", "key", "content", "title", "visibility", "metadata", "linked_entities", "tags", "confidence", "source_kind", "source_id", "provenance", "parent_memory_id", "expire_time", "forget_reason", "state", "embedding_status", "embedding_model", "revision", "etag", "create_time", "update_time", "delete_time", "valid_from", "valid_until", "superseded_by", "mentions", "relations")
    ID_FIELD_NUMBER: _ClassVar[int]
    WORKSPACE_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LINKED_ENTITIES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVENANCE_FIELD_NUMBER: _ClassVar[int]
    PARENT_MEMORY_ID_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FORGET_REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_STATUS_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODEL_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DELETE_TIME_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_FIELD_NUMBER: _ClassVar[int]
    VALID_UNTIL_FIELD_NUMBER: _ClassVar[int]
    SUPERSEDED_BY_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    RELATIONS_FIELD_NUMBER: _ClassVar[int]
    id: str
    workspace_id: str
    agent_id: str
    subject_type: str
    subject_id: str
    kind: str
    key: str
    content: str
    title: str
    visibility: Visibility
    metadata: _struct_pb2.Struct
    linked_entities: _containers.RepeatedCompositeFieldContainer[EntityRef]
    tags: _containers.RepeatedScalarFieldContainer[str]
    confidence: float
    source_kind: str
    source_id: str
    provenance: Provenance
    parent_memory_id: str
    expire_time: _timestamp_pb2.Timestamp
    forget_reason: str
    state: MemoryState
    embedding_status: EmbeddingStatus
    embedding_model: str
    revision: int
    etag: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    delete_time: _timestamp_pb2.Timestamp
    valid_from: _timestamp_pb2.Timestamp
    valid_until: _timestamp_pb2.Timestamp
    superseded_by: str
    mentions: _containers.RepeatedCompositeFieldContainer[Mention]
    relations: _containers.RepeatedCompositeFieldContainer[Relation]
    def __init__(self, id: _Optional[str] = ..., workspace_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., subject_type: _Optional[str] = ..., subject_id: _Optional[str] = ..., kind: _Optional[str] = ..., key: _Optional[str] = ..., content: _Optional[str] = ..., title: _Optional[str] = ..., visibility: _Optional[_Union[Visibility, str]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., linked_entities: _Optional[_Iterable[_Union[EntityRef, _Mapping]]] = ..., tags: _Optional[_Iterable[str]] = ..., confidence: _Optional[float] = ..., source_kind: _Optional[str] = ..., source_id: _Optional[str] = ..., provenance: _Optional[_Union[Provenance, str]] = ..., parent_memory_id: _Optional[str] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., forget_reason: _Optional[str] = ..., state: _Optional[_Union[MemoryState, str]] = ..., embedding_status: _Optional[_Union[EmbeddingStatus, str]] = ..., embedding_model: _Optional[str] = ..., revision: _Optional[int] = ..., etag: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delete_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_from: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., valid_until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., superseded_by: _Optional[str] = ..., mentions: _Optional[_Iterable[_Union[Mention, _Mapping]]] = ..., relations: _Optional[_Iterable[_Union[Relation, _Mapping]]] = ...) -> None: ...

class EntityRef(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class Mention(_message.Message):
    __slots__ = ("entity", "role", "text", "merged_from")
    ENTITY_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MERGED_FROM_FIELD_NUMBER: _ClassVar[int]
    entity: EntityRef
    role: MentionRole
    text: str
    merged_from: EntityRef
    def __init__(self, entity: _Optional[_Union[EntityRef, _Mapping]] = ..., role: _Optional[_Union[MentionRole, str]] = ..., text: _Optional[str] = ..., merged_from: _Optional[_Union[EntityRef, _Mapping]] = ...) -> None: ...

class Relation(_message.Message):
    __slots__ = ("subject", "predicate", "object")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    PREDICATE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    subject: EntityRef
    predicate: str
    object: EntityRef
    def __init__(self, subject: _Optional[_Union[EntityRef, _Mapping]] = ..., predicate: _Optional[str] = ..., object: _Optional[_Union[EntityRef, _Mapping]] = ...) -> None: ...

class MemoryFilter(_message.Message):
    __slots__ = ("agent_id", "subject_type", "subject_id", "kinds", "tags", "any_tags", "linked_entity_type", "linked_entity_id", "visibility", "key", "show_deleted", "show_expired", "include_superseded", "valid_at", "mentions", "metadata", "owner_agent_ids")
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_ID_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ANY_TAGS_FIELD_NUMBER: _ClassVar[int]
    LINKED_ENTITY_TYPE_FIELD_NUMBER: _ClassVar[int]
    LINKED_ENTITY_ID_FIELD_NUMBER: _ClassVar[int]
    VISIBILITY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    SHOW_DELETED_FIELD_NUMBER: _ClassVar[int]
    SHOW_EXPIRED_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SUPERSEDED_FIELD_NUMBER: _ClassVar[int]
    VALID_AT_FIELD_NUMBER: _ClassVar[int]
    MENTIONS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    OWNER_AGENT_IDS_FIELD_NUMBER: _ClassVar[int]
    agent_id: str
    subject_type: str
    subject_id: str
    kinds: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    any_tags: _containers.RepeatedScalarFieldContainer[str]
    linked_entity_type: str
    linked_entity_id: str
    visibility: Visibility
    key: str
    show_deleted: bool
    show_expired: bool
    include_superseded: bool
    valid_at: _timestamp_pb2.Timestamp
    mentions: EntityRef
    metadata: _struct_pb2.Struct
    owner_agent_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, agent_id: _Optional[str] = ..., subject_type: _Optional[str] = ..., subject_id: _Optional[str] = ..., kinds: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., any_tags: _Optional[_Iterable[str]] = ..., linked_entity_type: _Optional[str] = ..., linked_entity_id: _Optional[str] = ..., visibility: _Optional[_Union[Visibility, str]] = ..., key: _Optional[str] = ..., show_deleted: _Optional[bool] = ..., show_expired: _Optional[bool] = ..., include_superseded: _Optional[bool] = ..., valid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., mentions: _Optional[_Union[EntityRef, _Mapping]] = ..., metadata: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., owner_agent_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class MemoryRevision(_message.Message):
    __slots__ = ("revision", "change", "change_time", "key_id", "agent_id", "reason", "memory", "changed_fields")
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    AGENT_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MEMORY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    revision: int
    change: MemoryChange
    change_time: _timestamp_pb2.Timestamp
    key_id: str
    agent_id: str
    reason: str
    memory: Memory
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, revision: _Optional[int] = ..., change: _Optional[_Union[MemoryChange, str]] = ..., change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., key_id: _Optional[str] = ..., agent_id: _Optional[str] = ..., reason: _Optional[str] = ..., memory: _Optional[_Union[Memory, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...
