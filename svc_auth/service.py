"""AuthService: the thin gRPC layer over svc_auth's domain modules."""

from __future__ import annotations

from typing import TypeAlias

import grpc
from trading.auth.v1 import auth_messages_pb2 as m
from trading.auth.v1 import auth_service_pb2_grpc

from core.convert import optional_timestamp
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
from svc_auth.client_address import ProxyTrust, client_address
from svc_auth.deps import AuthDeps
from svc_auth.oauth import OAuth

Ctx: TypeAlias = grpc.aio.ServicerContext


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    """Identity: accounts, tokens, 2FA, OAuth, roles and service credentials."""

    def __init__(
        self, deps: AuthDeps, oauth: OAuth, verifier: credentials.DatabaseCredentialVerifier
    ) -> None:
        self.deps = deps
        self.oauth = oauth
        self.verifier = verifier

    def _ip(self, context: Ctx) -> str:
        trust = ProxyTrust.from_settings(self.deps.settings)
        return client_address(context.peer() or "", context.invocation_metadata() or (), trust)

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
        return convert.sign_in(result, m.LoginResponse)

    async def StartOAuth(self, request: m.StartOAuthRequest, context: Ctx) -> m.StartOAuthResponse:
        url, state, expires, binding = await self.oauth.start(request.provider, request.redirect_uri)
        return m.StartOAuthResponse(
            authorize_url=url, state=state, expire_time=optional_timestamp(expires), browser_binding=binding
        )

    async def OAuthLogin(self, request: m.OAuthLoginRequest, context: Ctx) -> m.OAuthLoginResponse:
        result = await self.oauth.complete(
            request.provider, request.code, request.state, request.redirect_uri, request.browser_binding
        )
        return convert.sign_in(result, m.OAuthLoginResponse)

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
        profile = convert.profile_in(request)
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
        roles = convert.roles_in(request.roles)
        user = await admin.set_roles(self.deps, current_principal().subject, request.user_id, roles)
        return m.SetUserRolesResponse(user=convert.user(user))

    async def DisableUser(self, request: m.DisableUserRequest, context: Ctx) -> m.DisableUserResponse:
        user = await admin.set_disabled(
            self.deps, current_principal().subject, request.user_id, not request.enable
        )
        return m.DisableUserResponse(user=convert.user(user))

    async def SetPlan(self, request: m.SetPlanRequest, context: Ctx) -> m.SetPlanResponse:
        plan = convert.plan_in(request.plan)
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
        return convert.verified_credential(await self.verifier.describe(request.api_key))

    async def GetJwks(self, request: m.GetJwksRequest, context: Ctx) -> m.GetJwksResponse:
        return m.GetJwksResponse(keys=[m.Jwk(**k) for k in self.deps.keys.jwks()["keys"]])
