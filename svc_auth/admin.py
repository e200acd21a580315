"""What admins, support and billing do to accounts: list, roles, disable, plan."""

from __future__ import annotations

import base64
from datetime import datetime

from sqlalchemy import and_, or_, select

from core.errors import FailedPrecondition, InvalidArgument, NotFound
from svc_auth.deps import AuthDeps
from svc_auth.models import User
from svc_auth.tokens import announce_revocation, revoke_all

ROLES = ("user", "admin", "support", "instructor")
PLANS = ("free", "basic", "pro", "premium")
DEFAULT_PAGE = 50
MAX_PAGE = 500


def _encode_cursor(user: User) -> str:
    return base64.urlsafe_b64encode(f"{user.created_at.isoformat()}|{user.id}".encode()).decode()


def _decode_cursor(token: str) -> tuple[datetime, str]:
    try:
        created, _, user_id = base64.urlsafe_b64decode(token.encode()).decode().partition("|")
        return datetime.fromisoformat(created), user_id
    except ValueError as e:
        raise InvalidArgument(
            "bad page token", violations=[("page.page_token", "not a token we gave")]
        ) from e


async def list_users(
    deps: AuthDeps, page_size: int, page_token: str, email_prefix: str
) -> tuple[list[User], str]:
    """One page of accounts, oldest first, and the next page's token ("" at the end)."""
    size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
    query = select(User).order_by(User.created_at, User.id).limit(size + 1)
    if email_prefix:
        prefix = email_prefix.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(User.email.like(prefix + "%", escape="\\"))
    if page_token:
        created, user_id = _decode_cursor(page_token)
        query = query.where(
            or_(User.created_at > created, and_(User.created_at == created, User.id > user_id))
        )
    async with deps.db.session() as s:
        users = list(await s.scalars(query))
    if len(users) <= size:
        return users, ""
    return users[:size], _encode_cursor(users[size - 1])


async def _change(deps: AuthDeps, user_id: str, **values: object) -> User:
    """Set fields of a user; disabling the account or taking a role away ends its sessions."""
    version = 0
    async with deps.db.transaction() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        lost_role = "roles" in values and bool(user.role_set - set(str(values["roles"]).split(",")))
        for name, value in values.items():
            setattr(user, name, value)
        user.updated_at = deps.clock.now()
        if values.get("disabled") or lost_role:
            version = await revoke_all(s, user_id, deps.clock.now())
    if version:
        await announce_revocation(deps, user_id, version)
    return user


async def set_roles(deps: AuthDeps, actor_id: str, user_id: str, roles: list[str]) -> User:
    """Replace a user's roles (`user` is always kept); an admin cannot drop their own admin role."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidArgument(f"unknown roles {sorted(unknown)}", violations=[("roles", "unknown role")])
    wanted = {"user", *roles}
    if actor_id == user_id and "admin" not in wanted:
        raise FailedPrecondition("you cannot remove your own admin role", reason="SELF_DEMOTION")
    return await _change(deps, user_id, roles=",".join(r for r in ROLES if r in wanted))


async def set_disabled(deps: AuthDeps, actor_id: str, user_id: str, disabled: bool) -> User:
    """Disable an account (ending every session) or enable it again."""
    if actor_id == user_id and disabled:
        raise FailedPrecondition("you cannot disable your own account", reason="SELF_DISABLE")
    return await _change(deps, user_id, disabled=disabled)


async def set_plan(deps: AuthDeps, user_id: str, plan: str) -> User:
    """Set the plan claim; the next access token carries it."""
    if plan not in PLANS:
        raise InvalidArgument(f"unknown plan {plan!r}", violations=[("plan", "unknown plan")])
    return await _change(deps, user_id, plan=plan)
