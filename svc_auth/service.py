"""AuthService: the thin gRPC layer over svc_auth's domain modules."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any, TypeAlias

import grpc
from trading.auth.v1 import auth_messages_pb2 as m
from trading.auth.v1 import auth_service_pb2_grpc

from core.convert import optional_timestamp
from core.errors import InvalidArgument
from core.principal import current_principal
from svc_auth import (
    accounts,
    admin,
    convert,
    credentials,
    password_reset,
    privacy,
    service_mail,
    tokens,
    two_factor,
)
from svc_auth.accounts import Profile, SignIn
from svc_auth.deps import AuthDeps
from svc_auth.oauth import OAuth

Ctx: TypeAlias = grpc.aio.ServicerContext


def client_ip(
    context: Ctx,
    header: str,
    trusted_proxies: list[str],
    proxy_secret: str = "",
    secret_header: str = "x-trading-proxy-secret",
) -> str:
    """The caller's IP: the proxy's header when the peer is a trusted proxy that also presents
    `proxy_secret`, else the peer. Without a secret the header is never believed, in any run mode:
    any process that reaches the port could otherwise name any address."""
    peer = context.peer() or ""
    kind, _, rest = peer.partition(":")
    host = rest.rsplit(":", 1)[0].strip("[]") if kind in ("ipv4", "ipv6") else peer
    if host not in trusted_proxies or not proxy_secret:
        return host
    metadata = [(k, str(v)) for k, v in context.invocation_metadata() or ()]
    presented = next((v for k, v in metadata if k == secret_header), "")
    if not hmac.compare_digest(presented.encode(), proxy_secret.encode()):
        return host
    for key, value in metadata:
        if key == header and value:
            forwarded = value.split(",")[0].strip()
            try:
                return str(ipaddress.ip_address(forwarded))
            except ValueError:
                break
    return host


def _sign_in(result: SignIn, response_cls: Any) -> Any:
    if result.challenge:
        challenge = m.TwoFactorChallenge(
            challenge=result.challenge, expire_time=optional_timestamp(result.challenge_expires_at)
        )
        return response_cls(two_factor=challenge)
    assert result.tokens is not None
    return response_cls(user=convert.user(result.user), tokens=convert.token_pair(result.tokens))


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    """Identity: accounts, tokens, 2FA, OAuth, roles and service credentials."""

    def __init__(
        self, deps: AuthDeps, oauth: OAuth, verifier: credentials.DatabaseCredentialVerifier
    ) -> None:
        self.deps = deps
        self.oauth = oauth
        self.verifier = verifier

    def _ip(self, context: Ctx) -> str:
        s = self.deps.settings
        return client_ip(
            context,
            s.client_ip_header,
            s.trusted_proxies,
            s.proxy_secret.get_secret_value(),
            s.proxy_secret_header,
        )

    async def Register(self, request: m.RegisterRequest, context: Ctx) -> m.RegisterResponse:
        user, issued = await accounts.register(
            self.deps,
            request.email,
            request.password,
            request.first_name,
            request.last_name,
            self._ip(context),
        )
        return m.RegisterResponse(user=convert.user(user), tokens=convert.token_pair(issued))

    async def Login(self, request: m.LoginRequest, context: Ctx) -> m.LoginResponse:
        result = await accounts.login(self.deps, request.email, request.password, self._ip(context))
        return _sign_in(result, m.LoginResponse)

    async def StartOAuth(self, request: m.StartOAuthRequest, context: Ctx) -> m.StartOAuthResponse:
        url, state, expires, binding = await self.oauth.start(request.provider, request.redirect_uri)
        return m.StartOAuthResponse(
            authorize_url=url, state=state, expire_time=optional_timestamp(expires), browser_binding=binding
        )

    async def OAuthLogin(self, request: m.OAuthLoginRequest, context: Ctx) -> m.OAuthLoginResponse:
        result = await self.oauth.complete(
            request.provider, request.code, request.state, request.redirect_uri, request.browser_binding
        )
        return _sign_in(result, m.OAuthLoginResponse)

    async def SetupTwoFactor(
        self, request: m.SetupTwoFactorRequest, context: Ctx
    ) -> m.SetupTwoFactorResponse:
        setup = await two_factor.setup(self.deps, current_principal().require_user(), request.reauth_token)
        return m.SetupTwoFactorResponse(
            secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_code=setup.qr_png
        )

    async def VerifyTwoFactor(
        self, request: m.VerifyTwoFactorRequest, context: Ctx
    ) -> m.VerifyTwoFactorResponse:
        if request.challenge:
            user, issued = await two_factor.complete_challenge(self.deps, request.challenge, request.token)
            return m.VerifyTwoFactorResponse(
                success=True, user=convert.user(user), tokens=convert.token_pair(issued)
            )
        codes = await two_factor.enable(
            self.deps, current_principal().require_user(), request.token, request.reauth_token
        )
        return m.VerifyTwoFactorResponse(success=True, recovery_codes=codes)

    async def DisableTwoFactor(
        self, request: m.DisableTwoFactorRequest, context: Ctx
    ) -> m.DisableTwoFactorResponse:
        user = await two_factor.disable(
            self.deps, current_principal().require_user(), request.token, request.reauth_token
        )
        return m.DisableTwoFactorResponse(user=convert.user(user))

    async def RefreshToken(self, request: m.RefreshTokenRequest, context: Ctx) -> m.RefreshTokenResponse:
        _user, issued = await tokens.refresh_tokens(self.deps, request.refresh_token)
        return m.RefreshTokenResponse(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            token_type="Bearer",
            expires_in=issued.expires_in,
            refresh_expire_time=optional_timestamp(issued.refresh_expires_at),
        )

    async def Logout(self, request: m.LogoutRequest, context: Ctx) -> m.LogoutResponse:
        await tokens.logout(self.deps, request.refresh_token, request.all_sessions)
        return m.LogoutResponse()

    async def VerifyEmail(self, request: m.VerifyEmailRequest, context: Ctx) -> m.VerifyEmailResponse:
        return m.VerifyEmailResponse(user=convert.user(await accounts.verify_email(self.deps, request.token)))

    async def ResendVerification(
        self, request: m.ResendVerificationRequest, context: Ctx
    ) -> m.ResendVerificationResponse:
        await accounts.resend_verification(self.deps, request.email)
        return m.ResendVerificationResponse()

    async def GetMe(self, request: m.GetMeRequest, context: Ctx) -> m.GetMeResponse:
        user = await accounts.get_user(self.deps, current_principal().require_user())
        return m.GetMeResponse(user=convert.user(user))

    async def UpdateMe(self, request: m.UpdateMeRequest, context: Ctx) -> m.UpdateMeResponse:
        risk = request.risk_preferences if request.HasField("risk_preferences") else None
        profile = Profile(
            first_name=request.first_name if request.HasField("first_name") else None,
            last_name=request.last_name if request.HasField("last_name") else None,
            risk_tolerance=convert.RISK_FROM_PROTO[risk.tolerance] if risk else None,
            max_drawdown_percent=risk.max_drawdown_percent if risk else None,
            horizon_months=risk.horizon_months if risk else None,
        )
        user = await accounts.update_profile(self.deps, current_principal().require_user(), profile)
        return m.UpdateMeResponse(user=convert.user(user))

    async def ChangePassword(
        self, request: m.ChangePasswordRequest, context: Ctx
    ) -> m.ChangePasswordResponse:
        issued = await accounts.change_password(
            self.deps,
            current_principal().require_user(),
            request.current_password,
            request.new_password,
            request.two_factor_code,
        )
        return m.ChangePasswordResponse(tokens=convert.token_pair(issued))

    async def ForgotPassword(
        self, request: m.ForgotPasswordRequest, context: Ctx
    ) -> m.ForgotPasswordResponse:
        await password_reset.forgot_password(self.deps, request.email)
        return m.ForgotPasswordResponse()

    async def ResetPassword(self, request: m.ResetPasswordRequest, context: Ctx) -> m.ResetPasswordResponse:
        await password_reset.reset_password(self.deps, request.token, request.new_password)
        return m.ResetPasswordResponse()

    async def ExportMyData(self, request: m.ExportMyDataRequest, context: Ctx) -> m.ExportMyDataResponse:
        return convert.export(await privacy.export_my_data(self.deps, current_principal().require_user()))

    async def DeleteAccount(self, request: m.DeleteAccountRequest, context: Ctx) -> m.DeleteAccountResponse:
        await privacy.delete_account(self.deps, current_principal().require_user(), request.reauth_token)
        return m.DeleteAccountResponse()

    async def ConfirmIdentity(
        self, request: m.ConfirmIdentityRequest, context: Ctx
    ) -> m.ConfirmIdentityResponse:
        token, expires = await accounts.confirm_identity(
            self.deps, current_principal().require_user(), request.password, request.two_factor_code
        )
        return m.ConfirmIdentityResponse(reauth_token=token, expire_time=optional_timestamp(expires))

    async def ChangeEmail(self, request: m.ChangeEmailRequest, context: Ctx) -> m.ChangeEmailResponse:
        await accounts.change_email(
            self.deps, current_principal().require_user(), request.new_email, request.reauth_token
        )
        return m.ChangeEmailResponse()

    async def ListUsers(self, request: m.ListUsersRequest, context: Ctx) -> m.ListUsersResponse:
        users, next_token = await admin.list_users(
            self.deps, request.page.page_size, request.page.page_token, request.email_prefix
        )
        return m.ListUsersResponse(
            users=[convert.user(u) for u in users], page={"next_page_token": next_token}
        )

    async def SetUserRoles(self, request: m.SetUserRolesRequest, context: Ctx) -> m.SetUserRolesResponse:
        unknown = [i for i, r in enumerate(request.roles) if r not in convert.ROLE_FROM_PROTO]
        if unknown:
            raise InvalidArgument(
                "unknown role",
                violations=[(f"roles[{i}]", "not a known role") for i in unknown],
                reason="UNKNOWN_ROLE",
            )
        roles = [convert.ROLE_FROM_PROTO[r] for r in request.roles]
        user = await admin.set_roles(self.deps, current_principal().subject, request.user_id, roles)
        return m.SetUserRolesResponse(user=convert.user(user))

    async def DisableUser(self, request: m.DisableUserRequest, context: Ctx) -> m.DisableUserResponse:
        user = await admin.set_disabled(
            self.deps, current_principal().subject, request.user_id, not request.enable
        )
        return m.DisableUserResponse(user=convert.user(user))

    async def SetPlan(self, request: m.SetPlanRequest, context: Ctx) -> m.SetPlanResponse:
        plan = convert.PLAN_FROM_PROTO.get(request.plan)
        if plan is None:
            raise InvalidArgument("choose a plan", violations=[("plan", "required")])
        return m.SetPlanResponse(user=convert.user(await admin.set_plan(self.deps, request.user_id, plan)))

    async def QueueUserMail(self, request: m.QueueUserMailRequest, context: Ctx) -> m.QueueUserMailResponse:
        await service_mail.queue_user_mail(
            self.deps, request.user_id, request.subject, request.body, request.idempotency_key
        )
        return m.QueueUserMailResponse(queued=True)

    async def CreateServiceCredential(
        self, request: m.CreateServiceCredentialRequest, context: Ctx
    ) -> m.CreateServiceCredentialResponse:
        new = await credentials.create(self.deps.db, self.deps.clock, request.name, list(request.scopes))
        return m.CreateServiceCredentialResponse(
            credential=convert.credential(new.credential), api_key=new.api_key
        )

    async def RevokeServiceCredential(
        self, request: m.RevokeServiceCredentialRequest, context: Ctx
    ) -> m.RevokeServiceCredentialResponse:
        row = await credentials.revoke(self.deps.db, self.deps.clock, request.credential_id)
        return m.RevokeServiceCredentialResponse(credential=convert.credential(row))

    async def VerifyServiceCredential(
        self, request: m.VerifyServiceCredentialRequest, context: Ctx
    ) -> m.VerifyServiceCredentialResponse:
        found = await self.verifier.describe(request.api_key)
        if found is None:
            return m.VerifyServiceCredentialResponse(valid=False)
        credential_id, name, scopes = found
        credential = m.ServiceCredential(id=credential_id, name=name, scopes=sorted(scopes))
        return m.VerifyServiceCredentialResponse(valid=True, credential=credential)

    async def GetJwks(self, request: m.GetJwksRequest, context: Ctx) -> m.GetJwksResponse:
        return m.GetJwksResponse(keys=[m.Jwk(**k) for k in self.deps.keys.jwks()["keys"]])
