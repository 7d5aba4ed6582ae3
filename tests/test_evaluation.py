"""The helpers every ``newsdesk eval`` shares: the check part, the per-document timing and the bootstrap interval."""
from newsdesk import in_check_part, interval, tail_figures, timing, timing_line


def test_timing_reports_the_tail_beside_the_mean():
    ms = {f"doc{i}": 10.0 for i in range(199)} | {"slow": 5010.0}
    t = timing(ms, slowest=2)
    assert t["ms_per_doc"] == round((199 * 10 + 5010) / 200, 2)
    assert t["p99_ms_per_doc"] == 10.0 and t["max_ms_per_doc"] == 5010.0  # 1 in 200 is above p99
    assert t["slowest"][0] == ["slow", 5010.0] and len(t["slowest"]) == 2
    assert tail_figures(t) == {"p99_ms_per_doc": 10.0, "max_ms_per_doc": 5010.0}
    line = timing_line(t, "quotes")
    assert line.startswith("quotes 35.0 ms/doc (p99 10.0, max 5010.0); slowest: slow 5010.0, doc")


def test_timing_of_a_few_documents_and_of_none():
    t = timing({"a": 1.0, "b": 3.0})
    assert (t["p99_ms_per_doc"], t["max_ms_per_doc"]) == (3.0, 3.0)
    empty = timing({})
    assert empty["max_ms_per_doc"] == 0.0 and timing_line(empty, "dates") == "dates 0.0 ms/doc (p99 0.0, max 0.0)"


def test_check_part_is_fixed_and_about_a_fifth():
    ids = [f"doc-{i}" for i in range(2000)]
    share = sum(map(in_check_part, ids)) / len(ids)
    assert 0.17 < share < 0.23
    assert [in_check_part(i) for i in ids[:50]] == [in_check_part(i) for i in ids[:50]]


def test_bootstrap_interval_brackets_the_figure_and_narrows_with_more_documents():
    def accuracy(docs):  # each document: (right, total)
        return sum(r for r, _ in docs) / sum(t for _, t in docs)

    few = [(9, 10), (5, 10), (10, 10), (6, 10)]  # 0.75 over four uneven documents
    low, high = interval(few, accuracy)
    assert low < 0.75 < high and high - low > 0.15
    assert interval(few, accuracy) == [low, high]  # fixed seed: the same figures every run
    many_low, many_high = interval(few * 25, accuracy)
    assert many_low < 0.75 < many_high and many_high - many_low < (high - low) / 3
    assert interval([(1, 2)] * 10, accuracy) == [0.5, 0.5]  # identical documents: no spread
    assert interval([], accuracy) == [0.0, 0.0]
