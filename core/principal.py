"""Who is calling: set by the auth interceptor, read by handlers and domain code."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from core.errors import PermissionDenied, Unauthenticated


@dataclass(frozen=True)
class Principal:
    """The caller of an RPC."""

    kind: str  # "user", "service" or "anonymous"
    subject: str = ""
    email: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    plan: str = "free"
    scopes: frozenset[str] = field(default_factory=frozenset)
    token_id: str = ""
    email_verified: bool = False

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def require_user(self) -> str:
        """The user id of a signed-in user, or Unauthenticated."""
        if self.kind != "user" or not self.subject:
            raise Unauthenticated("sign in first", reason="SIGN_IN_REQUIRED")
        return self.subject

    def require_owner(self, owner_id: str) -> None:
        """Allow the owner of a resource, an admin or support; deny everyone else."""
        if self.subject == owner_id or self.roles & {"admin", "support"}:
            return
        raise PermissionDenied("this belongs to another user", reason="NOT_OWNER")


ANONYMOUS = Principal(kind="anonymous")
_current: ContextVar[Principal] = ContextVar("principal", default=ANONYMOUS)


def current_principal() -> Principal:
    return _current.get()


def set_principal(principal: Principal):  # returns a contextvars.Token
    return _current.set(principal)


def reset_principal(token) -> None:
    _current.reset(token)
