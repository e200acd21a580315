"""What svc_auth's domain functions are given: storage, keys, limits, time, settings, mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.bus import Bus
    from core.clock import Clock
    from core.db import Database
    from core.keys import KeyStore
    from core.kv import KeyValue
    from core.settings import Settings
    from svc_auth.config import AuthSettings
    from svc_auth.mailer import Mailer
    from svc_auth.passwords import Passwords


@dataclass
class AuthDeps:
    """svc_auth's dependencies, built once by `svc_auth.build`."""

    db: Database
    bus: Bus
    keys: KeyStore
    kv: KeyValue
    clock: Clock
    settings: AuthSettings
    platform: Settings
    passwords: Passwords
    mailer: Mailer
