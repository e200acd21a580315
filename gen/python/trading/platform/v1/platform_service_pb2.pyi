from google.api import annotations_pb2 as _annotations_pb2
from trading.common.v1 import access_pb2 as _access_pb2
from trading.platform.v1 import platform_messages_pb2 as _platform_messages_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
