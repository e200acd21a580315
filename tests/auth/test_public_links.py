"""The mailed verification and reset links follow the deployment's public address."""

from __future__ import annotations

from svc_auth.config import AuthSettings


def test_links_follow_the_public_url() -> None:
    settings = AuthSettings().with_public_links("https://trade.example.com/")
    assert settings.verify_email_url == "https://trade.example.com/verify-email?token="
    assert settings.reset_url == "https://trade.example.com/reset-password?token="


def test_a_link_named_outright_is_kept() -> None:
    named = "https://mail.example.com/confirm?t="
    settings = AuthSettings(verify_email_url=named).with_public_links("https://trade.example.com")
    assert settings.verify_email_url == named
    assert settings.reset_url == "https://trade.example.com/reset-password?token="
