"""quant.indicators against the textbook definitions written as plain loops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quant import indicators as ind
from tests.market import reference_indicators as ref

TOL = 1e-9


def _series(seed: int, size: int, base: float, vol: float) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    close = base + np.cumsum(rng.normal(0, vol, size))
    open_ = close + rng.normal(0, vol / 2, size)
    high = np.maximum(open_, close) + np.abs(rng.normal(0, vol, size))
    low = np.minimum(open_, close) - np.abs(rng.normal(0, vol, size))
    return open_, high, low, close


def assert_matches(actual: np.ndarray, expected: list[float]) -> None:
    exp = np.asarray(expected, dtype=np.float64)
    assert actual.dtype == np.float64
    assert actual.shape == exp.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(exp))
    valid = ~np.isnan(exp)
    np.testing.assert_allclose(actual[valid], exp[valid], rtol=TOL, atol=TOL)


@pytest.fixture(params=[(1, 1.1, 0.001), (2, 42_000.0, 150.0)], ids=["fx", "btc"])
def ohlc(request: pytest.FixtureRequest) -> tuple[np.ndarray, ...]:
    seed, base, vol = request.param
    return _series(seed, 1500, base, vol)


@pytest.mark.parametrize("n", [1, 10, 20, 50])
def test_sma_equals_the_mean_of_the_last_n_closes(ohlc, n) -> None:
    close = ohlc[3]
    assert_matches(ind.sma(close, n), ref.sma(close.tolist(), n))


@pytest.mark.parametrize("n", [2, 12, 26, 200])
def test_ema_is_seeded_with_the_sma_and_smoothed_with_2_over_n_plus_1(ohlc, n) -> None:
    close = ohlc[3]
    assert_matches(ind.ema(close, n), ref.ema(close.tolist(), n))


@pytest.mark.parametrize("n", [2, 14])
def test_rsi_uses_wilder_smoothing(ohlc, n) -> None:
    close = ohlc[3]
    assert_matches(ind.rsi(close, n), ref.rsi(close.tolist(), n))


def test_true_range_includes_gaps_from_the_previous_close(ohlc) -> None:
    _, high, low, close = ohlc
    assert_matches(
        ind.true_range(high, low, close), ref.true_range(high.tolist(), low.tolist(), close.tolist())
    )


def test_atr_is_wilder_smoothed_true_range(ohlc) -> None:
    _, high, low, close = ohlc
    assert_matches(ind.atr(high, low, close, 14), ref.atr(high.tolist(), low.tolist(), close.tolist(), 14))


def test_macd_line_signal_and_histogram(ohlc) -> None:
    close = ohlc[3]
    for actual, expected in zip(ind.macd(close), ref.macd(close.tolist(), 12, 26, 9), strict=True):
        assert_matches(actual, expected)


def test_bollinger_uses_population_standard_deviation(ohlc) -> None:
    close = ohlc[3]
    for actual, expected in zip(ind.bollinger(close), ref.bollinger(close.tolist(), 20, 2.0), strict=True):
        assert_matches(actual, expected)


def test_long_series_stays_exact_across_filter_blocks() -> None:
    close = _series(7, 20_000, 1.3, 0.0005)[3]
    assert_matches(ind.ema(close, 2), ref.ema(close.tolist(), 2))
    assert_matches(ind.rsi(close, 14), ref.rsi(close.tolist(), 14))


def test_rsi_of_a_flat_series_is_50_and_of_a_rising_one_100() -> None:
    assert np.all(ind.rsi(np.full(30, 5.0), 14)[14:] == 50.0)
    assert np.all(ind.rsi(np.arange(30.0), 14)[14:] == 100.0)


def test_series_shorter_than_the_period_is_all_nan() -> None:
    close = np.array([1.0, 2.0, 3.0])
    for values in (ind.sma(close, 5), ind.ema(close, 5), ind.rsi(close, 5), ind.bollinger(close, 5)[1]):
        assert np.isnan(values).all()


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.5, 2.0, allow_nan=False), min_size=1, max_size=60),
    st.integers(1, 15),
)
def test_ema_matches_reference_on_arbitrary_series(values, n) -> None:
    assert_matches(ind.ema(np.array(values), n), ref.ema(values, n))


def test_amd_phase_codes_follow_the_documented_rule() -> None:
    # 25 quiet bars in [0.99, 1.01], then a sweep below that closes back inside, then a breakout.
    size = 25
    close = np.full(size, 1.0)
    high = np.full(size, 1.01)
    low = np.full(size, 0.99)
    sweep = (1.0, 1.005, 0.97, 1.0)
    breakout = (1.0, 1.08, 0.995, 1.07)
    open_ = np.concatenate((close, [sweep[0], breakout[0]]))
    high = np.concatenate((high, [sweep[1], breakout[1]]))
    low = np.concatenate((low, [sweep[2], breakout[2]]))
    close = np.concatenate((close, [sweep[3], breakout[3]]))
    phase = ind.amd_phase(open_, high, low, close, window=20, atr_n=14, compression=3.0)
    assert phase.dtype == np.int64
    assert (phase[:20] == ind.AMD_UNKNOWN).all()
    assert (phase[20:25] == ind.AMD_ACCUMULATION).all()
    assert phase[25] == ind.AMD_MANIPULATION
    assert phase[26] == ind.AMD_DISTRIBUTION


def test_amd_phase_inside_a_wide_range_is_unknown() -> None:
    close = np.tile([1.0, 1.5], 20)
    high, low = close + 0.01, close - 0.01
    phase = ind.amd_phase(close, high, low, close, window=10, atr_n=5, compression=0.5)
    assert (phase[10:] == ind.AMD_UNKNOWN).all()
