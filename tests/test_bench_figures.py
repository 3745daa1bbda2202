"""`make bench`'s table: each figure against its reference from the same run, the ratio, the target."""

import pytest

from bench.figures import at_least, compared, table, within

pytestmark = pytest.mark.unit


def test_a_rate_meets_its_target_as_a_ratio_to_the_reference_of_the_same_run():
    sink = at_least("mysql sink job", 2500, "records/s", "raw bulk write", 10000, 0.5)
    assert (round(sink.ratio, 2), sink.target, sink.met) == (0.25, "≥ 0.50", False)
    assert at_least("producer job", 6000, "records/s", "ProducerPerformance", 10000, 0.5).met


def test_a_time_meets_its_target_when_at_most_it():
    assert within("`small` cold start", 24.9, 25).met and not within("`small` cold start", 35.5, 25).met


def test_the_table_gives_every_figure_one_row_and_says_which_targets_are_not_met():
    shown = table([at_least("mysql sink job", 2500, "records/s", "raw bulk write", 10000, 0.5),
                   compared("analytics on YARN", 900, "records/s", "local[*]", 3000),
                   within("presenter's act", 27.7, 20)]).splitlines()
    assert shown[0].split() == ["figure", "measured", "reference", "(same", "run)", "ratio", "target"]
    assert shown[1].endswith("0.25   ≥ 0.50  NOT MET") and shown[2].endswith("0.30   -       met"), shown
    assert "27.7 s" in shown[3] and "its target 20.0" in shown[3] and shown[3].endswith("NOT MET")


def test_a_part_that_fails_is_a_failed_row_and_the_run_goes_on():
    from bench import all as every_benchmark

    def broken():
        raise SystemExit("the act failed, so its time means nothing")

    rows = every_benchmark.measured("act", broken) + every_benchmark.measured("scan", lambda: [within("scan", 1.0, 2)])
    shown = table(rows).splitlines()
    assert "act: FAILED (the act failed" in shown[1] and shown[1].endswith("NOT MET") and shown[2].endswith("met")
