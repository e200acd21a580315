"""svc_auth's tables, in the `auth` schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import UtcDateTime, make_base
from core.outbox import outbox_table

Base: Any = make_base("auth")  # a class made at run time; Any keeps mypy quiet
# Mail to send, staged in the transaction of the change that causes it (svc_auth.mailer).
OUTBOX = outbox_table(Base.metadata)


class User(Base):
    """An account. Several unverified accounts may share an email; a verified email is unique."""

    __tablename__ = "users"
    __table_args__ = (
        Index(
            "uq_users_verified_email",
            "email",
            unique=True,
            sqlite_where=text("email_verified"),
            postgresql_where=text("email_verified"),
        ),
        Index("ix_users_email", "email"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_verified: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    roles: Mapped[str] = mapped_column(String(100), default="user")  # comma-separated
    plan: Mapped[str] = mapped_column(String(20), default="free")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)
    risk_tolerance: Mapped[str] = mapped_column(String(20), default="")
    max_drawdown_percent: Mapped[int] = mapped_column(Integer, default=0)
    horizon_months: Mapped[int] = mapped_column(Integer, default=0)
    # Raised whenever every session ends; access tokens carry it (claim `sv`, core.revocation).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when the user deleted the account: personal data erased, the id kept as a pseudonym.
    deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class RefreshToken(Base):
    """One refresh token (stored as its SHA-256). Rotation chains tokens in one family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    spent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class EmailToken(Base):
    """A single-use email verification token (stored as its SHA-256)."""

    __tablename__ = "email_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PasswordResetToken(Base):
    """A single-use password reset token (stored as its SHA-256), short-lived."""

    __tablename__ = "password_reset_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TwoFactorChallenge(Base):
    """A password-verified login waiting for its TOTP code (stored as its SHA-256)."""

    __tablename__ = "two_factor_challenges"

    challenge_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class RecoveryCode(Base):
    """A single-use 2FA recovery code (stored as its SHA-256)."""

    __tablename__ = "recovery_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OAuthState(Base):
    """A started OAuth sign-in: its state (as SHA-256), PKCE verifier, nonce and redirect URI."""

    __tablename__ = "oauth_states"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the value given to the starting browser; the completing call must present it.
    binding_hash: Mapped[str] = mapped_column(String(64), default="", server_default="")
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OAuthIdentity(Base):
    """A provider account linked to a user."""

    __tablename__ = "oauth_identities"

    provider: Mapped[str] = mapped_column(String(40), primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ServiceCredential(Base):
    """An API key for service-to-service calls (stored as its SHA-256), with scopes."""

    __tablename__ = "service_credentials"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    scopes: Mapped[str] = mapped_column(String(5000), default="")  # space-separated
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SentMail(Base):
    """A message the mailer has handed over, by its Message-ID: a redelivered one is not sent twice."""

    __tablename__ = "sent_mail"

    message_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
