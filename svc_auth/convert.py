"""svc_auth's rows and results to and from its protobuf messages."""

from __future__ import annotations

from typing import Any

from trading.auth.v1 import auth_messages_pb2 as m

from core.convert import optional_timestamp
from core.errors import InvalidArgument
from svc_auth import models, privacy
from svc_auth.accounts import Profile, SignIn
from svc_auth.tokens import IssuedTokens

ROLE_TO_PROTO = {
    "user": m.ROLE_USER,
    "admin": m.ROLE_ADMIN,
    "support": m.ROLE_SUPPORT,
    "instructor": m.ROLE_INSTRUCTOR,
}
ROLE_FROM_PROTO = {v: k for k, v in ROLE_TO_PROTO.items()}
PLAN_TO_PROTO = {"free": m.PLAN_FREE, "basic": m.PLAN_BASIC, "pro": m.PLAN_PRO, "premium": m.PLAN_PREMIUM}
PLAN_FROM_PROTO = {v: k for k, v in PLAN_TO_PROTO.items()}
RISK_TO_PROTO = {
    "": m.RISK_TOLERANCE_UNSPECIFIED,
    "conservative": m.RISK_TOLERANCE_CONSERVATIVE,
    "moderate": m.RISK_TOLERANCE_MODERATE,
    "aggressive": m.RISK_TOLERANCE_AGGRESSIVE,
}
RISK_FROM_PROTO = {v: k for k, v in RISK_TO_PROTO.items()}


def user(u: models.User) -> m.User:
    return m.User(
        id=u.id,
        email=u.email,
        first_name=u.first_name,
        last_name=u.last_name,
        email_verified=u.email_verified,
        roles=[ROLE_TO_PROTO[r] for r in ROLE_TO_PROTO if r in u.role_set],
        plan=PLAN_TO_PROTO.get(u.plan, m.PLAN_FREE),
        two_factor_enabled=u.totp_enabled,
        disabled=u.disabled,
        risk_preferences=m.RiskPreferences(
            tolerance=RISK_TO_PROTO.get(u.risk_tolerance, m.RISK_TOLERANCE_UNSPECIFIED),
            max_drawdown_percent=u.max_drawdown_percent,
            horizon_months=u.horizon_months,
        ),
        create_time=optional_timestamp(u.created_at),
    )


def token_pair(t: IssuedTokens) -> m.TokenPair:
    return m.TokenPair(
        access_token=t.access_token,
        refresh_token=t.refresh_token,
        token_type="Bearer",
        expires_in=t.expires_in,
        access_expire_time=optional_timestamp(t.access_expires_at),
        refresh_expire_time=optional_timestamp(t.refresh_expires_at),
    )


def credential(c: models.ServiceCredential) -> m.ServiceCredential:
    return m.ServiceCredential(
        id=c.id,
        name=c.name,
        scopes=c.scopes.split(),
        key_prefix=c.key_prefix,
        create_time=optional_timestamp(c.created_at),
        revoke_time=optional_timestamp(c.revoked_at),
    )


def export(e: privacy.Export) -> m.ExportMyDataResponse:
    return m.ExportMyDataResponse(
        user=user(e.user),
        identities=[
            m.LinkedIdentity(provider=i.provider, email=i.email, create_time=optional_timestamp(i.created_at))
            for i in e.identities
        ],
        sessions=[
            m.SignInSession(
                create_time=optional_timestamp(r.created_at), expire_time=optional_timestamp(r.expires_at)
            )
            for r in e.sessions
        ],
        export_time=optional_timestamp(e.made_at),
    )


def sign_in(result: SignIn, response_cls: Any) -> Any:
    """A sign-in's outcome as LoginResponse or OAuthLoginResponse: a 2FA challenge, or the user
    and their tokens."""
    if result.challenge:
        challenge = m.TwoFactorChallenge(
            challenge=result.challenge, expire_time=optional_timestamp(result.challenge_expires_at)
        )
        return response_cls(two_factor=challenge)
    assert result.tokens is not None
    return response_cls(user=user(result.user), tokens=token_pair(result.tokens))


def profile_in(request: m.UpdateMeRequest) -> Profile:
    """The fields an UpdateMe sets (None: unchanged)."""
    risk = request.risk_preferences if request.HasField("risk_preferences") else None
    return Profile(
        first_name=request.first_name if request.HasField("first_name") else None,
        last_name=request.last_name if request.HasField("last_name") else None,
        risk_tolerance=RISK_FROM_PROTO[risk.tolerance] if risk else None,
        max_drawdown_percent=risk.max_drawdown_percent if risk else None,
        horizon_months=risk.horizon_months if risk else None,
    )


def roles_in(roles: Any) -> list[str]:
    unknown = [i for i, r in enumerate(roles) if r not in ROLE_FROM_PROTO]
    if unknown:
        raise InvalidArgument(
            "unknown role",
            violations=[(f"roles[{i}]", "not a known role") for i in unknown],
            reason="UNKNOWN_ROLE",
        )
    return [ROLE_FROM_PROTO[r] for r in roles]


def plan_in(plan: m.Plan) -> str:
    name = PLAN_FROM_PROTO.get(plan)
    if name is None:
        raise InvalidArgument("choose a plan", violations=[("plan", "required")])
    return name


def verified_credential(found: tuple[str, str, Any] | None) -> m.VerifyServiceCredentialResponse:
    if found is None:
        return m.VerifyServiceCredentialResponse(valid=False)
    credential_id, name, scopes = found
    described = m.ServiceCredential(id=credential_id, name=name, scopes=sorted(scopes))
    return m.VerifyServiceCredentialResponse(valid=True, credential=described)
