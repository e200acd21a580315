"""Every request field that names an instrument symbol carries the one shared rule,
trading.common.v1.symbol, and nothing beside it; the chassis compiles it (no protovalidate
fallback) with protovalidate's verdicts."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from buf.validate import validate_pb2
from google.protobuf import descriptor, descriptor_pool
from trading.broker.v1 import broker_messages_pb2 as broker
from trading.common.v1 import symbol_pb2
from trading.inference.v1 import inference_messages_pb2 as inference
from trading.market.v1 import market_messages_pb2 as market

from core import validation
from core.access import load_contracts

FD = descriptor.FieldDescriptor
SYMBOL_FIELDS = ("symbol", "symbols")
SHARED_RULE = symbol_pb2.symbol


def _request_messages() -> list[descriptor.Descriptor]:
    """Every RPC input type of the contracts and every message type reachable from one."""
    load_contracts()
    pool = descriptor_pool.Default()
    seen: dict[str, descriptor.Descriptor] = {}

    def visit(desc: descriptor.Descriptor) -> None:
        if desc.full_name in seen or not desc.full_name.startswith("trading."):
            return
        seen[desc.full_name] = desc
        for field in desc.fields:
            if field.message_type is not None:
                visit(field.message_type)

    for name in sorted(set(_service_names())):
        for method in pool.FindServiceByName(name).methods:
            visit(method.input_type)
    return sorted(seen.values(), key=lambda d: d.full_name)


def _service_names() -> Iterator[str]:
    for module in load_contracts():
        yield from (s.full_name for s in importlib.import_module(module).DESCRIPTOR.services_by_name.values())


def _symbol_fields() -> list[FD]:
    return [f for d in _request_messages() for f in d.fields if f.name in SYMBOL_FIELDS]


def _string_rules(field: FD) -> validate_pb2.StringRules:
    rules = field.GetOptions().Extensions[validate_pb2.field]
    if field.is_repeated:
        return rules.repeated.items.string
    return rules.string


def test_request_fields_naming_a_symbol_are_found() -> None:
    names = {f.full_name for f in _symbol_fields()}
    assert {
        "trading.broker.v1.CreateOrderRequest.symbol",
        "trading.market.v1.GetCandlesRequest.symbol",
        "trading.inference.v1.CreateSignalRequest.symbol",
        "trading.inference.v1.BatchCreatePredictionsRequest.symbols",
    } <= names


@pytest.mark.parametrize("field", _symbol_fields(), ids=lambda f: f.full_name)
def test_every_symbol_field_carries_exactly_the_shared_rule(field: FD) -> None:
    rules = _string_rules(field)
    assert rules.HasExtension(SHARED_RULE), field.full_name
    assert rules.Extensions[SHARED_RULE], field.full_name
    assert [fd.full_name for fd, _ in rules.ListFields()] == [SHARED_RULE.full_name], field.full_name


@pytest.mark.parametrize("field", _symbol_fields(), ids=lambda f: f.full_name)
def test_symbol_rules_are_compiled(field: FD) -> None:
    assert validation.fallback_reason(field.containing_type) is None, field.full_name


@pytest.mark.parametrize(
    "message",
    [
        broker.CreateOrderRequest(symbol="EURUSD", side=broker.ORDER_SIDE_BUY, amount="1"),
        broker.CreateOrderRequest(symbol="eurusd", side=broker.ORDER_SIDE_BUY, amount="1"),
        broker.CreateOrderRequest(symbol="EUR/USD", side=broker.ORDER_SIDE_BUY, amount="1"),
        broker.CreateOrderRequest(symbol="", side=broker.ORDER_SIDE_BUY, amount="1"),
        broker.CreateOrderRequest(symbol="X" * 33, side=broker.ORDER_SIDE_BUY, amount="1"),
        broker.CreateOrderRequest(symbol="EURUSD\n", side=broker.ORDER_SIDE_BUY, amount="1"),
        broker.ListOrdersRequest(symbol=""),
        broker.ListOrdersRequest(symbol="no spaces"),
        market.GetQuoteRequest(symbol="BRK.B"),
        market.CreateWatchlistRequest(name="fx", symbols=["EURUSD", "a b"]),
        inference.BatchCreatePredictionsRequest(symbols=["EURUSD", "", "XAU_USD"]),
    ],
    ids=str,
)
def test_compiled_symbol_rule_agrees_with_protovalidate(message) -> None:
    assert validation.compiled_violations(message) == validation.protovalidate_violations(message)
