"""Accounts: register, sign in, verify email, profile and password.

One account per address. Registration never says whether an email is taken: it answers alike
(an account and tokens) every time, but when an account already holds the address the new one is
born disabled (it can never sign in or refresh, and claims nothing) and the address gets a notice
instead of a verification link, pointing to "forgot password". So sign-in looks at one account,
the address's verified owner or else its one enabled account (`sign_in_account`), at the cost of
one Argon2id verification; and a pre-registered account cannot keep its password once the real
owner proves the address: a password reset takes it over (new password, every session ended),
and a trusted OAuth provider disables it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    Unauthenticated,
)
from svc_auth import step_up, two_factor
from svc_auth.deps import AuthDeps
from svc_auth.limits import LoginLimiter
from svc_auth.mailer import compose, queue
from svc_auth.models import EmailToken, User
from svc_auth.passwords import normalise_email
from svc_auth.tokens import (
    IssuedTokens,
    announce_revocation,
    digest,
    issue_tokens,
    new_id,
    new_secret,
    revoke_all,
)


@dataclass(frozen=True)
class Profile:
    """The fields a user may change about themselves; None leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    risk_tolerance: str | None = None
    max_drawdown_percent: int | None = None
    horizon_months: int | None = None


@dataclass(frozen=True)
class SignIn:
    """The result of a sign-in: tokens, or a 2FA challenge still to answer."""

    user: User
    tokens: IssuedTokens | None = None
    challenge: str = ""
    challenge_expires_at: datetime | None = None


def _bad_credentials() -> Unauthenticated:
    return Unauthenticated("wrong email or password", reason="INVALID_CREDENTIALS")


async def _verified_owner(s: AsyncSession, email: str) -> User | None:
    return await s.scalar(select(User).where(User.email == email, User.email_verified.is_(True)))


async def _new_email_token(deps: AuthDeps, s: AsyncSession, user: User) -> str:
    token = new_secret()
    expires = deps.clock.now() + timedelta(seconds=deps.settings.email_token_ttl_s)
    s.add(EmailToken(token_hash=digest(token), user_id=user.id, email=user.email, expires_at=expires))
    return token


def _verification_mail(deps: AuthDeps, user: User, token: str):
    body = (
        f"Hello {user.first_name},\n\nConfirm your email address by opening this link:\n\n"
        f"{deps.settings.verify_email_url}{token}\n\nThe link works for "
        f"{deps.settings.email_token_ttl_s // 3600} hours. If you did not sign up, ignore this message.\n"
    )
    return compose(deps.settings.mail_from, user.email, "Confirm your email address", body)


def _already_registered_mail(deps: AuthDeps, email: str):
    body = (
        "Someone tried to create an account with this email address, which already has one.\n\n"
        'If it was you, sign in instead; if you do not know its password, use "forgot password" '
        "to choose a new one. If not, you can ignore this message: nothing changed.\n"
    )
    return compose(deps.settings.mail_from, email, "You already have an account", body)


async def register(
    deps: AuthDeps, email: str, password: str, first_name: str, last_name: str, client_ip: str = ""
) -> tuple[User, IssuedTokens]:
    email = normalise_email(email)
    deps.passwords.check_rules(password)
    st = deps.settings
    # Each sign-up costs an Argon2id hash, a row and a mail: at most a few per client address.
    allowed, _, retry_after = await deps.kv.incr_window(
        f"auth:register:ip:{digest(client_ip)[:32]}", st.register_ip_limit, st.register_ip_window_s
    )
    if not allowed:
        raise ResourceExhausted(
            "too many sign-ups from this address; try again later",
            reason="TOO_MANY_REGISTRATIONS",
            retry_after_s=retry_after,
        )
    # A few registrations per email and window, counted for every email alike, so the refusal
    # tells nothing about who holds it.
    allowed, _, retry_after = await deps.kv.incr_window(
        f"auth:register:{digest(email)[:32]}", st.register_email_limit, st.register_email_window_s
    )
    if not allowed:
        raise ResourceExhausted(
            "too many sign-ups with this email; try again later",
            reason="TOO_MANY_REGISTRATIONS",
            retry_after_s=retry_after,
        )
    password_hash = await deps.passwords.hash(password)
    now = deps.clock.now()
    async with deps.db.transaction() as s:
        taken = await sign_in_account(s, email) is not None
        user = User(
            id=new_id(), email=email, email_verified=False, password_hash=password_hash,
            first_name=first_name.strip(), last_name=last_name.strip(), roles="user", plan="free",
            disabled=taken, totp_enabled=False, totp_last_step=0, risk_tolerance="",
            max_drawdown_percent=0, horizon_months=0, session_version=0, created_at=now, updated_at=now,
        )  # fmt: skip
        s.add(user)
        await s.flush()
        if not taken:
            mail = _verification_mail(deps, user, await _new_email_token(deps, s, user))
        else:
            mail = _already_registered_mail(deps, email)
        await queue(s, mail, deps.clock)  # sent by the mailer once this commits
        tokens = await issue_tokens(deps, s, user)
    return user, tokens


async def sign_in_account(s: AsyncSession, email: str) -> User | None:
    """The one account an address signs in to: its verified owner, else its oldest enabled one."""
    owner = await _verified_owner(s, email)
    if owner is not None:
        return owner
    oldest: User | None = await s.scalar(
        select(User)
        .where(User.email == email, User.disabled.is_(False))
        .order_by(User.created_at, User.id)
        .limit(1)
    )
    return oldest


async def login(deps: AuthDeps, email: str, password: str, client_ip: str) -> SignIn:
    """Check email and password: one error for an unknown email, a wrong password or a disabled account."""
    email = normalise_email(email)
    limiter = LoginLimiter(deps.kv, deps.settings)
    await limiter.charge(email, client_ip)
    async with deps.db.session() as s:
        account = await sign_in_account(s, email)
    # Exactly one hash check whatever the address (the dummy hash when no account holds it), so
    # the time taken tells nothing about whether an account exists.
    ok = await deps.passwords.verify(account.password_hash if account else None, password)
    if account is None or not ok or account.disabled:
        raise _bad_credentials()
    match = account
    await limiter.succeeded(email, client_ip)
    if match.password_hash and deps.passwords.needs_rehash(match.password_hash):
        await _store_password(deps, match.id, await deps.passwords.hash(password))
    return await complete_sign_in(deps, match)


async def complete_sign_in(deps: AuthDeps, user: User) -> SignIn:
    """Tokens for a user whose first factor passed, or a 2FA challenge when 2FA is on."""
    if user.totp_enabled:
        challenge, expires_at = await two_factor.create_challenge(deps, user.id)
        return SignIn(user=user, challenge=challenge, challenge_expires_at=expires_at)
    async with deps.db.transaction() as s:
        tokens = await issue_tokens(deps, s, user)
    return SignIn(user=user, tokens=tokens)


async def _store_password(deps: AuthDeps, user_id: str, password_hash: str) -> None:
    async with deps.db.transaction() as s:
        await s.execute(update(User).where(User.id == user_id).values(password_hash=password_hash))


def _bad_email_token() -> InvalidArgument:
    return InvalidArgument("the verification link is not valid", reason="EMAIL_TOKEN_INVALID")


async def verify_email(deps: AuthDeps, token: str) -> User:
    """Mark an email verified with the token from its link; each token works once."""
    try:
        async with deps.db.transaction() as s:
            now = deps.clock.now()
            row = await s.get(EmailToken, digest(token))
            if row is None or row.used_at is not None or row.expires_at <= now:
                raise _bad_email_token()
            used = await s.execute(
                update(EmailToken)
                .where(EmailToken.token_hash == row.token_hash, EmailToken.used_at.is_(None))
                .values(used_at=now)
            )
            user = await s.get(User, row.user_id)
            if used.rowcount != 1 or user is None:  # type: ignore[attr-defined]
                raise _bad_email_token()
            if user.email != row.email:  # a link from ChangeEmail: the account moves to the new address
                await step_up.notify(
                    deps, s, user, "Your email address was changed", f"The email was changed to {row.email}"
                )
                user.email = row.email
            user.email_verified = True
            user.updated_at = now
            await s.flush()
    except IntegrityError as e:
        raise FailedPrecondition("this email is verified on another account", reason="EMAIL_TAKEN") from e
    return user


async def resend_verification(deps: AuthDeps, email: str) -> None:
    """Send a new link to the newest unverified account of an email; silent either way."""
    email = normalise_email(email)
    allowed, _, _ = await deps.kv.incr_window(f"auth:resend:{digest(email)}", 5, 3600)
    if not allowed:
        return
    async with deps.db.transaction() as s:
        if await _verified_owner(s, email) is not None:
            return
        user = await s.scalar(
            select(User).where(User.email == email).order_by(User.created_at.desc()).limit(1)
        )
        if user is None:
            return
        await queue(s, _verification_mail(deps, user, await _new_email_token(deps, s, user)), deps.clock)


async def get_user(deps: AuthDeps, user_id: str) -> User:
    async with deps.db.session() as s:
        user = await s.get(User, user_id)
    if user is None:
        raise NotFound("no such user", reason="USER_NOT_FOUND")
    return user


async def update_profile(deps: AuthDeps, user_id: str, profile: Profile) -> User:
    async with deps.db.transaction() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        for name in ("first_name", "last_name", "risk_tolerance", "max_drawdown_percent", "horizon_months"):
            value = getattr(profile, name)
            if value is not None:
                setattr(user, name, value.strip() if isinstance(value, str) else value)
        user.updated_at = deps.clock.now()
    return user


async def _prove(deps: AuthDeps, user_id: str, password: str, code: str, password_field: str) -> None:
    """Check the password, and a 2FA code when 2FA is on; each call spends one of the user's
    step-up attempts first. A code is spent only when the password matched too."""
    await step_up.charge_attempt(deps, user_id)
    user = await get_user(deps, user_id)
    if not await deps.passwords.verify(user.password_hash, password):
        raise InvalidArgument(
            "the password is wrong", violations=[(password_field, "does not match")], reason="WRONG_PASSWORD"
        )
    if not user.totp_enabled:
        return
    if not code:
        raise InvalidArgument(
            "two-factor sign-in is on: give a code too",
            violations=[("two_factor_code", "required when two-factor sign-in is on")],
            reason="TWO_FACTOR_CODE_REQUIRED",
        )
    async with deps.db.transaction() as s:
        if not await two_factor.accept_code(deps, s, user, code):
            raise two_factor.bad_code()


async def confirm_identity(deps: AuthDeps, user_id: str, password: str, code: str) -> tuple[str, datetime]:
    """A reauth token for the next few minutes, once the password (and 2FA code) check out."""
    await _prove(deps, user_id, password, code, "password")
    return await step_up.issue_proof(deps, user_id)


async def change_password(
    deps: AuthDeps, user_id: str, current: str, new: str, code: str = ""
) -> IssuedTokens:
    """Change the password given the current one (and a 2FA code), end every session and start a new one."""
    deps.passwords.check_rules(new, field="new_password")
    await _prove(deps, user_id, current, code, "current_password")
    new_hash = await deps.passwords.hash(new)
    async with deps.db.transaction() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        user.password_hash = new_hash
        user.updated_at = deps.clock.now()
        version = await revoke_all(s, user_id, deps.clock.now())
        await step_up.notify(deps, s, user, "Your password was changed", "The password was changed")
        issued = await issue_tokens(deps, s, user)
    await announce_revocation(deps, user_id, version)
    return issued


def _email_change_mail(deps: AuthDeps, user: User, new_email: str, token: str):
    body = (
        f"Hello {user.first_name},\n\nTo move your account to this address, open this link:\n\n"
        f"{deps.settings.verify_email_url}{token}\n\nThe link works for "
        f"{deps.settings.email_token_ttl_s // 3600} hours. "
        "If you did not ask for this, ignore this message.\n"
    )
    return compose(deps.settings.mail_from, new_email, "Confirm your new email address", body)


async def change_email(deps: AuthDeps, user_id: str, new_email: str, reauth_token: str) -> None:
    """Mail a link to `new_email`; the account moves there when it is opened (VerifyEmail).

    The answer is the same whether or not another account holds the address; if one does, the
    link fails when opened and the holder is not told who asked."""
    await step_up.require_proof(deps, user_id, reauth_token)
    new_email = normalise_email(new_email)
    async with deps.db.transaction() as s:
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound("no such user", reason="USER_NOT_FOUND")
        if new_email == user.email:
            raise InvalidArgument(
                "that is already your email", violations=[("new_email", "same as the current one")]
            )
        token = new_secret()
        expires = deps.clock.now() + timedelta(seconds=deps.settings.email_token_ttl_s)
        s.add(EmailToken(token_hash=digest(token), user_id=user.id, email=new_email, expires_at=expires))
        await queue(s, _email_change_mail(deps, user, new_email, token), deps.clock)
        await step_up.notify(
            deps, s, user, "Your email address is being changed",
            f"A move of your account to {new_email} was asked for",
        )  # fmt: skip
