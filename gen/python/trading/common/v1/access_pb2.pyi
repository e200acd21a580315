from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Audience(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIENCE_UNSPECIFIED: _ClassVar[Audience]
    AUDIENCE_PUBLIC: _ClassVar[Audience]
    AUDIENCE_USER: _ClassVar[Audience]
    AUDIENCE_SUPPORT: _ClassVar[Audience]
    AUDIENCE_ADMIN: _ClassVar[Audience]
    AUDIENCE_SERVICE: _ClassVar[Audience]
AUDIENCE_UNSPECIFIED: Audience
AUDIENCE_PUBLIC: Audience
AUDIENCE_USER: Audience
AUDIENCE_SUPPORT: Audience
AUDIENCE_ADMIN: Audience
AUDIENCE_SERVICE: Audience
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor

class Access(_message.Message):
    __slots__ = ("audience", "quota")
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    audience: Audience
    quota: str
    def __init__(self, audience: _Optional[_Union[Audience, str]] = ..., quota: _Optional[str] = ...) -> None: ...
