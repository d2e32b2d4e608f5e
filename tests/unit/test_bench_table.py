"""The bench table's verdicts come from the figures and the targets, never from words."""

from __future__ import annotations

from tests.bench import Row, Target, format_table, interleaved_figures, ratio_at_least


def test_ratio_target_met_and_missed_by_the_same_figure_against_two_references() -> None:
    target = (ratio_at_least(0.9),)
    assert Row("verify", 91.0, "MB/s", 100.0, "sha256", target).verdict == "met"
    assert Row("verify", 89.0, "MB/s", 100.0, "sha256", target).verdict == "MISSED"


def test_every_target_of_a_row_must_hold() -> None:
    targets = (Target("<", 1.0, unit="s"), Target("<=", 2.0, on_ratio=True))
    assert Row("start", 0.9, "s", 0.5, "empty store", targets).verdict == "met"
    assert Row("start", 0.9, "s", 0.4, "empty store", targets).verdict == "MISSED"
    assert Row("start", 1.1, "s", 1.0, "empty store", targets).verdict == "MISSED"


def test_a_ratio_target_without_a_reference_is_missed() -> None:
    assert Row("verify", 91.0, "MB/s", None, "", (ratio_at_least(0.9),)).verdict == "MISSED"


def test_a_zero_bound_is_met_only_by_zero() -> None:
    assert Row("requests", 0.0, "req", targets=(Target("<=", 0),)).verdict == "met"
    assert Row("requests", 0.0005, "req", targets=(Target("<=", 0),)).verdict == "MISSED"


def test_table_prints_target_verdict_and_sample_count_per_row() -> None:
    rows = [Row("verify", 89.0, "MB/s", 100.0, "sha256", (ratio_at_least(0.9),), 5)]
    line = format_table(rows).splitlines()[2]
    assert "0.890x" in line and "ratio ≥ 0.9" in line and "MISSED" in line
    assert line.endswith("5")


def test_interleaved_pairs_swap_the_order_and_take_medians() -> None:
    calls: list[str] = []
    a_figures = iter([3.0, 1.0, 2.0, 9.0, 2.5])
    b_figures = iter([10.0, 30.0, 20.0, 40.0, 25.0])

    def a() -> float:
        calls.append("a")
        return next(a_figures)

    def b() -> float:
        calls.append("b")
        return next(b_figures)

    assert interleaved_figures(a, b, pairs=5) == (2.5, 25.0)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a", "a", "b"]
