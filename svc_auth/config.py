"""svc_auth's own settings, from TRADING_AUTH_* environment variables."""

from __future__ import annotations

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class OAuthProviderSettings(BaseModel):
    """One OAuth provider. `preset` fills the endpoints of a well-known provider."""

    client_id: str
    client_secret: SecretStr = SecretStr("")
    redirect_uris: list[str]
    preset: str = ""  # "google", "github" or "" for any OIDC issuer given by the URLs below
    issuer: str = ""
    authorize_url: str = ""
    token_url: str = ""
    userinfo_url: str = ""
    jwks_url: str = ""
    emails_url: str = ""  # GitHub: where verified emails are listed
    scopes: list[str] = []
    # Whether this provider's verified email is trusted to prove the address: only then does a
    # sign-in link to, or take over the address of, an account that already uses the email.
    trusted_email: bool = False


class AuthSettings(BaseSettings):
    """Passwords, limits, 2FA, mail and OAuth providers."""

    model_config = SettingsConfigDict(env_prefix="TRADING_AUTH_", env_nested_delimiter="__", extra="ignore")

    # Argon2id; OWASP: m >= 19 MiB, t = 2, p = 1. Tests lower these through the environment.
    argon2_memory_kib: int = 19 * 1024
    argon2_time_cost: int = 2
    argon2_parallelism: int = 1
    password_min_length: int = 10
    password_max_length: int = 128

    # Failed sign-ins: per account and per client IP, in fixed windows.
    login_account_limit: int = 10
    login_account_window_s: int = 15 * 60
    login_account_global_limit: int = 50
    login_ip_limit: int = 100
    login_ip_window_s: int = 15 * 60
    # An IP that signed in to an account is exempt from that account's across-IP window this long.
    login_known_ip_ttl_s: int = 30 * 24 * 3600
    # Registrations per client address per window.
    register_ip_limit: int = 20
    register_ip_window_s: int = 3600
    # Registrations per email address per window (after the first, each makes a disabled account).
    register_email_limit: int = 3
    register_email_window_s: int = 48 * 3600

    # 2FA: answers to sign-in challenges per user, across challenges, per window.
    two_factor_user_limit: int = 10
    two_factor_user_window_s: int = 15 * 60

    # Step-up: guesses at a user's password or 2FA codes through account changes, per window,
    # and how long a proof from ConfirmIdentity lasts.
    step_up_limit: int = 10
    step_up_window_s: int = 15 * 60
    reauth_ttl_s: int = 5 * 60

    # A sign-in session (a refresh token family) ends this long after the sign-in, however often
    # its refresh token is rotated (each rotation gives at most refresh_token_ttl_s more).
    session_max_life_s: int = 30 * 24 * 3600

    # A refresh token presented again this soon after its rotation is a race between two tabs.
    refresh_race_grace_s: int = 10

    # A client IP is read from this header only when the peer is a trusted proxy (Envoy) and, when
    # proxy_secret is set, the call also carries it in proxy_secret_header (Envoy adds it with
    # request_headers_to_add, overwriting any value a client sent). Without a secret, any process
    # that can reach the port from a trusted address can claim any client IP.
    client_ip_header: str = "x-envoy-external-address"
    trusted_proxies: list[str] = ["127.0.0.1", "::1"]
    proxy_secret: SecretStr = SecretStr("")
    proxy_secret_header: str = "x-trading-proxy-secret"

    email_token_ttl_s: int = 48 * 3600
    password_reset_ttl_s: int = 15 * 60
    reset_url: str = "http://localhost:8080/reset-password?token="
    # Reset links mailed per email address per hour (silently not sent beyond).
    password_reset_email_limit: int = 5
    two_factor_challenge_ttl_s: int = 300
    two_factor_issuer: str = "Trading"
    recovery_code_count: int = 10
    oauth_state_ttl_s: int = 600

    mail_from: str = "Trading <no-reply@trading.local>"
    smtp_host: str = ""  # empty: write .eml files under <data_dir>/mail
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    verify_email_url: str = "http://localhost:8080/verify-email?token="

    oauth_providers: dict[str, OAuthProviderSettings] = {}

    def with_public_links(self, public_url: str) -> AuthSettings:
        """The mailed links under the deployment's public address (TRADING_PUBLIC_URL), unless
        TRADING_AUTH_VERIFY_EMAIL_URL or TRADING_AUTH_RESET_URL name them outright."""
        base = public_url.rstrip("/")
        links = {
            "verify_email_url": f"{base}/verify-email?token=",
            "reset_url": f"{base}/reset-password?token=",
        }
        derived = {name: url for name, url in links.items() if name not in self.model_fields_set}
        return self.model_copy(update=derived)
