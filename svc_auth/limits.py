"""Failed sign-in limits, counted atomically in the key-value store (Redis in production).

Only failures count: every attempt is counted before the password is checked, so parallel
guesses cannot slip past the limit, and a successful one is taken back from the per-IP window
(and resets the account's windows), so many people signing in from one address (an office behind
one NAT) are never locked out by their own successes. Three fixed windows apply:

- per client IP, across accounts (one source guessing many accounts);
- per account and IP (one source guessing one account): a success resets it;
- per account across IPs, higher (a distributed guess): a success resets it.

The per-account window across IPs is the one an attacker can fill from many addresses, so it is
not applied to a client that has proven itself: an IP from which this account signed in with its
password within `login_known_ip_ttl_s` (30 days). Such a client still has its own per account and
IP window and the per-IP window, which no other address can fill; so a distributed flood closes
the account to new addresses for a window at a time, never to the owner's known address.
Unknown emails are counted exactly like known ones, so the limits tell nothing about which
emails exist.
"""

from __future__ import annotations

import hashlib

from core.errors import ResourceExhausted
from core.kv import KeyValue
from svc_auth.config import AuthSettings


def _h(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


class LoginLimiter:
    """Counts sign-in attempts per IP, per account and IP, and per account."""

    def __init__(self, kv: KeyValue, settings: AuthSettings) -> None:
        self.kv = kv
        self.s = settings

    def _keys(self, email: str, ip: str) -> tuple[str, str, str]:
        return (
            f"auth:login:ip:{_h(ip)}",
            f"auth:login:acct-ip:{_h(email + '|' + ip)}",
            f"auth:login:acct:{_h(email)}",
        )

    def _known_key(self, email: str, ip: str) -> str:
        return f"auth:login:known:{_h(email + '|' + ip)}"

    async def charge(self, email: str, ip: str) -> None:
        """Count one attempt; ResourceExhausted when any window that applies is full."""
        ip_key, acct_ip_key, acct_key = self._keys(email, ip)
        s = self.s
        checks = [
            (ip_key, s.login_ip_limit, s.login_ip_window_s),
            (acct_ip_key, s.login_account_limit, s.login_account_window_s),
        ]
        if await self.kv.get(self._known_key(email, ip)) is None:
            checks.append((acct_key, s.login_account_global_limit, s.login_account_window_s))
        for key, limit, window in checks:
            allowed, _count, retry_after = await self.kv.incr_window(key, limit, window)
            if not allowed:
                raise ResourceExhausted(
                    "too many sign-in attempts; try again later",
                    reason="TOO_MANY_ATTEMPTS",
                    retry_after_s=retry_after,
                )

    async def succeeded(self, email: str, ip: str) -> None:
        """The password matched: uncount it from the IP's window, reset the account's windows and
        remember this IP as the owner's."""
        ip_key, acct_ip_key, acct_key = self._keys(email, ip)
        await self.kv.uncount(ip_key)
        await self.kv.set(self._known_key(email, ip), b"1", ttl_s=self.s.login_known_ip_ttl_s)
        await self.kv.delete(acct_ip_key)
        await self.kv.delete(acct_key)
