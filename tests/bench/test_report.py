"""The benchmark's verdicts: which budgets a run broke, and the figures it reads."""

import pytest

from bench import report
from bench.__main__ import parse_args
from bench.http import parse_wrk
from bench.inprocess import percentile

WRK_OUTPUT = """\
Running 1s test @ http://127.0.0.1:8765/nonexistent
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.37ms  425.22us   5.79ms   77.23%
    Req/Sec     2.85k    69.72     2.95k    72.73%
  Latency Distribution
     50%    1.32ms
     75%    1.56ms
     90%    1.84ms
     99%    2.69ms
  3117 requests in 1.10s, 1.55MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 17
Requests/sec:   2835.23
Transfer/sec:      1.41MB
"""


def _result(name, *, queries=3, max_queries=3, median=5.0, max_ms=10.0, **extra):
    return {
        "name": name,
        "who": "anonymous",
        "queries": queries,
        "queries_max": queries,
        "max_queries": max_queries,
        "median_ms": median,
        "p95_ms": median * 1.2,
        "max_ms": max_ms,
        "bytes": 1234,
        "unexpected_statuses": [],
        "same_queries_as": None,
        **extra,
    }


def test_a_run_within_budget_has_no_failures():
    assert report.check([_result("healthz"), _result("api")]) == []


def test_one_query_over_budget_fails():
    failures = report.check([_result("api", queries=4, max_queries=3)])

    assert failures == ["api: 4 queries, budget 3"]


def test_a_slow_median_fails_unless_time_budgets_are_off():
    slow = [_result("home", median=31.0, max_ms=30)]

    assert report.check(slow) == ["home: median 31.0 ms, budget 30"]
    assert report.check(slow, time_budgets=False) == []


def test_a_query_count_that_grows_with_the_rows_fails():
    failures = report.check(
        [
            _result("list.100", queries=3),
            _result("list.1", queries=2, same_queries_as="list.100"),
        ]
    )

    assert len(failures) == 1
    assert failures[0].startswith("list.1: 2 queries but list.100 runs 3")


def test_an_unexpected_status_fails():
    failures = report.check([_result("api", unexpected_statuses=[500])])

    assert failures == ["api: answered [500]"]


def test_http_errors_fail():
    http = {"targets": [{"name": "home", "errors": 3}, {"name": "static", "errors": 0}]}

    assert report.check_http(http) == ["HTTP home: 3 errors"]


def test_the_table_shows_each_scenario_against_its_budget_and_the_floor():
    scenarios = [_result("healthz", median=0.5), _result("home", median=20.0, max_ms=10)]
    text = report.render(
        {
            "scale": 1,
            "requests": 30,
            "floor": "healthz",
            "scenarios": scenarios,
            "http": None,
            "phases": {"total": 12.0},
            "failures": report.check(scenarios),
        }
    )

    home = next(line for line in text.splitlines() if line.startswith("home"))
    assert "3/3" in home and "20.00/10" in home and "40.0" in home and home.endswith("FAIL")
    assert "Budgets broken:" in text and "home: median 20.0 ms, budget 10" in text


def test_wrk_output_is_read_with_every_error_counted():
    figures = parse_wrk(WRK_OUTPUT)

    assert figures == {"requests_per_s": 2835.2, "p99_ms": 2.69, "requests": 3117, "errors": 20}


def test_wrk_latencies_in_other_units():
    assert parse_wrk(WRK_OUTPUT.replace("99%    2.69ms", "99%  850.00us"))["p99_ms"] == 0.85
    assert parse_wrk(WRK_OUTPUT.replace("99%    2.69ms", "99%    1.20s"))["p99_ms"] == 1200.0


def test_nearest_rank_percentile():
    values = [float(n) for n in range(1, 41)]

    assert percentile(values, 0.95) == 38.0
    assert percentile(values, 0.5) == 20.0
    assert percentile([7.0], 0.95) == 7.0


def test_fewer_than_thirty_timed_requests_are_refused(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--requests", "10"])

    assert "at least 30" in capsys.readouterr().err


def test_scale_comes_from_bench_scale(monkeypatch):
    monkeypatch.setenv("BENCH_SCALE", "10")

    assert parse_args([]).scale == 10
    assert parse_args(["--scale", "0.5"]).scale == 0.5


def test_off_scale_runs_mark_slow_scenarios_without_failing():
    scenarios = [_result("healthz", median=0.5), _result("search", median=18.0, max_ms=15)]
    failures = report.check(scenarios, time_budgets=False)
    text = report.render(
        {
            "scale": 10,
            "requests": 30,
            "floor": "healthz",
            "time_budgets": False,
            "scenarios": scenarios,
            "http": None,
            "phases": {"total": 12.0},
            "failures": failures,
        }
    )

    assert failures == []
    assert next(line for line in text.splitlines() if line.startswith("search")).endswith("slow")
    assert "time budgets are for scale 1" in text
    assert "Every query budget met (time budgets not applied at this scale)." in text


def test_a_deep_page_slower_than_its_factor_of_the_first_fails_where_time_budgets_apply():
    scenarios = [
        _result("list", median=20.0, max_ms=60),
        _result("list.20", median=24.0, max_ms=60, no_slower_than=["list", 1.2]),
        _result("list.last", median=25.0, max_ms=60, no_slower_than=["list", 1.2]),
    ]

    assert report.check(scenarios) == ["list.last: median 25.0 ms, more than 1.2 x list's 20.0 ms"]
    assert report.check(scenarios, time_budgets=False) == []
    text = report.render(
        {
            "scale": 10,
            "requests": 30,
            "floor": "list",
            "time_budgets": False,
            "scenarios": scenarios,
            "http": None,
            "phases": {"total": 1.0},
            "failures": [],
        }
    )
    rows = {line.split()[0]: line for line in text.splitlines() if line.startswith("list")}
    assert rows["list.20"].endswith("ok") and rows["list.last"].endswith("slow")


def _export(**extra):
    figures = {"max_memory_mb": 50, "memory_peak_mb": 12.5, "streaming": True, "bytes": 600_000}
    return _result("export", **{**figures, **extra})


def test_an_export_must_stream_within_its_memory_budget_at_every_scale():
    assert report.check([_export()], time_budgets=False) == []
    assert report.check([_export(memory_peak_mb=51.0)], time_budgets=False) == [
        "export: memory grew 51.0 MB, budget 50"
    ]
    assert report.check([_export(streaming=False)], time_budgets=False) == ["export: not streamed"]


def test_the_report_lists_streamed_responses_with_their_memory():
    scenarios = [_result("healthz", median=0.5), _export()]
    text = report.render(
        {
            "scale": 1,
            "requests": 30,
            "floor": "healthz",
            "scenarios": scenarios,
            "http": None,
            "phases": {"total": 1.0},
            "failures": report.check(scenarios),
        }
    )

    streamed = text.split("Streamed responses")[1]
    line = next(line for line in streamed.splitlines() if line.startswith("export"))
    assert "yes" in line and "600,000" in line and line.endswith("12.50/50")


RUSH = {
    "challenge": "RUSH-1",
    "deadline_in_s": 5.0,
    "on_time_margin_s": 4.2,
    "late_by_s": 1.0,
    "on_time_wall_s": 0.8,
    "on_time": {"requests": 50, "statuses": {"200": 50}, "p50_ms": 400.0, "p99_ms": 790.5},
    "late": {"requests": 50, "statuses": {"409": 50}, "p50_ms": 120.0, "p99_ms": 250.0},
    "submitted": 50,
    "references": 50,
    "drafts": 50,
    "failures": [],
}


def test_the_rush_is_reported_and_its_failures_fail_the_run():
    http = {
        "workers": 2,
        "seconds": 1,
        "targets": [
            {
                "name": "static",
                "path": "/s.css",
                "requests_per_s": 900.0,
                "p99_ms": 2.0,
                "requests": 900,
                "errors": 0,
            }
        ],
        "memory": [{"pid": 1, "peak_rss_mib": 80.0}],
        "rush": RUSH,
    }
    scenarios = [_result("healthz", median=0.5)]
    text = report.render(
        {
            "scale": 1,
            "requests": 30,
            "floor": "healthz",
            "scenarios": scenarios,
            "http": http,
            "phases": {"total": 1.0},
            "failures": [],
        }
    )

    assert report.check_http(http) == []
    assert "50 x 200" in text and "50 x 409" in text and "790.5" in text
    assert "50 submitted with 50 distinct references, 50 still drafts" in text
    late = {**RUSH, "failures": ["rush: 3 of 50 late submissions were not refused with 409"]}
    assert report.check_http({**http, "rush": late}) == late["failures"]


def _target(name, rps, *, cached=False, x_cache=None, errors=0):
    return {
        "name": name,
        "path": f"/{name}/",
        "requests_per_s": rps,
        "p99_ms": 9.0,
        "requests": int(rps * 5),
        "errors": errors,
        "cached": cached,
        "x_cache": x_cache,
    }


def test_a_cached_page_must_be_a_cache_hit_after_its_warm_up():
    targets = [
        _target("static", 4000),
        _target("home", 3000, cached=True, x_cache="hit"),
        _target("news-index", 3000, cached=True, x_cache="miss"),
        _target("challenge-page", 3000, cached=True),
        _target("api.challenges", 300, x_cache=None),
    ]

    assert report.cache_failures(targets) == [
        "HTTP news-index: X-Cache miss after the warm-up, expected hit",
        "HTTP challenge-page: X-Cache missing after the warm-up, expected hit",
    ]
    # Functional, not a timing: it fails at every scale.
    assert len(report.check_http({"targets": targets}, time_budgets=False)) == 2


def test_a_cached_page_must_reach_half_the_static_files_rate_where_time_budgets_apply():
    targets = [
        _target("static", 4000),
        _target("home", 2000, cached=True, x_cache="hit"),
        _target("news-page", 1999, cached=True, x_cache="hit"),
        # Not a cached page: no share required.
        _target("api.challenges", 300),
    ]

    assert report.static_share(targets[1], targets) == 0.5
    assert report.rate_failures(targets) == [
        "HTTP news-page: 1,999 requests/s, 0.50 of the static file's, budget 0.5"
    ]
    assert report.check_http({"targets": targets}) == report.rate_failures(targets)
    assert report.check_http({"targets": targets}, time_budgets=False) == []
    # Without the static file's figure there is nothing to compare with.
    assert report.rate_failures(targets[1:]) == []


def test_the_http_table_shows_the_cache_and_the_share_of_the_static_rate():
    scenarios = [_result("healthz", median=0.5)]
    http = {
        "workers": 2,
        "seconds": 5,
        "targets": [
            _target("static", 4000),
            _target("home", 3000, cached=True, x_cache="hit"),
            _target("api.challenges", 400),
        ],
        "memory": [{"pid": 1, "peak_rss_mib": 80.0}],
        "rush": None,
    }
    text = report.render(
        {
            "scale": 1,
            "requests": 40,
            "floor": "healthz",
            "scenarios": scenarios,
            "http": http,
            "phases": {"total": 1.0},
            "failures": [],
        }
    )

    home = next(line for line in text.splitlines() if line.startswith("home /home/"))
    assert "hit" in home and "0.75/0.5" in home
    api = next(line for line in text.splitlines() if line.startswith("api.challenges"))
    assert " - " in api and "0.10" in api and "/0.5" not in api
