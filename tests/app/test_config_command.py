"""`trading config` prints each service's settings once, the nested investment section with its
secret masked."""

from __future__ import annotations

import json

import pytest

from app.cli import main


def test_config_masks_the_investment_venue_token(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("TRADING_INVESTMENT_METAAPI_TOKEN", "tok-123")
    assert main(["config"]) == 0
    sections = json.loads(capsys.readouterr().out)
    broker = sections["svc_broker (TRADING_BROKER_*)"]
    assert broker["investment"]["metaapi_token"] == "********"
    assert not any("INVESTMENT" in name for name in sections)  # printed once, under the broker
    assert "tok-123" not in json.dumps(sections)
