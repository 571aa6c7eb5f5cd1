"""Budget checks and the table `make bench` prints."""


def check(scenarios: list[dict], *, time_budgets: bool = True) -> list[str]:
    """Every broken budget, as one sentence each; empty when all hold."""
    by_name = {result["name"]: result for result in scenarios}
    failures = []
    for result in scenarios:
        name = result["name"]
        if result["unexpected_statuses"]:
            failures.append(f"{name}: answered {result['unexpected_statuses']}")
        if result["queries_max"] > result["max_queries"]:
            failures.append(
                f"{name}: {result['queries_max']} queries, budget {result['max_queries']}"
            )
        if time_budgets and result["median_ms"] > result["max_ms"]:
            failures.append(f"{name}: median {result['median_ms']} ms, budget {result['max_ms']}")
        slower = _slower_than(result, by_name)
        if time_budgets and slower:
            failures.append(slower)
        failures += _memory_failures(result)
        twin = result.get("same_queries_as")
        if twin and by_name[twin]["queries"] != result["queries"]:
            failures.append(
                f"{name}: {result['queries']} queries but {twin} runs {by_name[twin]['queries']}"
                " (the query count grows with the rows)"
            )
    return failures


def _slower_than(result: dict, by_name: dict) -> str | None:
    """The sentence saying that `result` is slower than its `no_slower_than` allows."""
    if not result.get("no_slower_than"):
        return None
    other, factor = result["no_slower_than"]
    limit = by_name[other]["median_ms"] * factor
    if result["median_ms"] <= limit:
        return None
    return (
        f"{result['name']}: median {result['median_ms']} ms, more than {factor:g} x"
        f" {other}'s {by_name[other]['median_ms']} ms"
    )


def _memory_failures(result: dict) -> list[str]:
    if result.get("max_memory_mb") is None:
        return []
    name = result["name"]
    failures = []
    if not result["streaming"]:
        failures.append(f"{name}: not streamed")
    if result["memory_peak_mb"] > result["max_memory_mb"]:
        failures.append(
            f"{name}: memory grew {result['memory_peak_mb']} MB, budget {result['max_memory_mb']:g}"
        )
    return failures


# The least share of the static file's requests/s a cached anonymous page must reach
# (bench.scenarios.CACHED_SHARE, repeated here so that this module imports nothing).
CACHED_SHARE = 0.5
STATIC = "static"


def check_http(http: dict | None, *, time_budgets: bool = True) -> list[str]:
    """Every HTTP failure: errors under load, a cached page that was not a cache hit, a
    cached page below CACHED_SHARE of the static file's rate (where time budgets apply),
    and both rushes' failures."""
    if not http:
        return []
    failures = [
        f"HTTP {target['name']}: {target['errors']} errors"
        for target in http["targets"]
        if target["errors"]
    ]
    failures += cache_failures(http["targets"])
    if time_budgets:
        failures += rate_failures(http["targets"])
    failures += list((http.get("rush") or {}).get("failures", []))
    return failures + list((http.get("fund_rush") or {}).get("failures", []))


def cache_failures(targets: list[dict]) -> list[str]:
    """A cached page whose last warm-up was not answered from the page cache."""
    return [
        f"HTTP {target['name']}: X-Cache {target.get('x_cache') or 'missing'} after the"
        " warm-up, expected hit"
        for target in targets
        if target.get("cached") and target.get("x_cache") != "hit"
    ]


def static_share(target: dict, targets: list[dict]) -> float | None:
    """The target's requests/s as a share of the static file's; None without it."""
    static = next((t for t in targets if t["name"] == STATIC), None)
    if not static or not static["requests_per_s"]:
        return None
    return target["requests_per_s"] / static["requests_per_s"]


def rate_failures(targets: list[dict]) -> list[str]:
    """A cached page answering fewer than CACHED_SHARE of the static file's requests/s."""
    failures = []
    for target in targets:
        share = static_share(target, targets) if target.get("cached") else None
        if share is not None and share < CACHED_SHARE:
            failures.append(
                f"HTTP {target['name']}: {target['requests_per_s']:,.0f} requests/s,"
                f" {share:.2f} of the static file's, budget {CACHED_SHARE:g}"
            )
    return failures


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(
            str(cell).rjust(width) if i in right else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def _render_rush(rush: dict | None) -> list[str]:
    if not rush or "on_time" not in rush:
        return []

    def row(label, wave):
        answers = ", ".join(f"{n} x {status}" for status, n in wave["statuses"].items())
        return [label, wave["requests"], answers, f"{wave['p50_ms']:.1f}", f"{wave['p99_ms']:.1f}"]

    return [
        "",
        f"Deadline rush on the same server: {rush['on_time']['requests']} submissions at once,"
        f" {rush['deadline_in_s']:g} s before the deadline (answered in"
        f" {rush['on_time_wall_s']:.1f} s), {rush['late']['requests']} more"
        f" {rush['late_by_s']:.1f} s after it:",
        "",
        _table(
            ["wave", "requests", "answers", "p50 ms", "p99 ms"],
            [row("on time", rush["on_time"]), row("late", rush["late"])],
            right={1, 3, 4},
        ),
        "",
        f"In the database: {rush['submitted']} submitted with {rush['references']} distinct"
        f" references, {rush['drafts']} still drafts.",
    ]


def _render_fund_rush(rush: dict | None) -> list[str]:
    if not rush or "requests" not in rush:
        return []

    def row(label, wave):
        if not wave:
            return [label, 0, "-", "-", "-"]
        answers = ", ".join(f"{n} x {status}" for status, n in wave["statuses"].items())
        return [label, wave["requests"], answers, f"{wave['p50_ms']:.1f}", f"{wave['p99_ms']:.1f}"]

    return [
        "",
        f"Disbursement rush on the same server: one award whose tranche has room for"
        f" {rush['room']} requests of {rush['amount_vnd']:,} VND; {rush['requests']['requests']}"
        " requests at once, then the accepted ones approved at once (some twice):",
        "",
        _table(
            ["wave", "requests", "answers", "p50 ms", "p99 ms"],
            [row("requests", rush["requests"]), row("approvals", rush["approvals"])],
            right={1, 3, 4},
        ),
        "",
        f"In the database: {rush['approved']} approved, {rush['paid_vnd']:,} VND paid of the"
        f" tranche's {rush['tranche_vnd']:,}.",
    ]


def _http_row(target: dict, targets: list[dict]) -> list:
    share = static_share(target, targets)
    shown = "" if share is None or target["name"] == STATIC else f"{share:.2f}"
    if target.get("cached") and shown:
        shown += "/" + f"{CACHED_SHARE:g}"
    return [
        f"{target['name']} {target['path']}",
        target.get("x_cache") or "-",
        f"{target['requests_per_s']:,.0f}",
        shown,
        f"{target['p99_ms']:.1f}",
        f"{target['requests']:,}",
        target["errors"],
    ]


def render(report: dict) -> str:
    scenarios = report["scenarios"]
    floor = next(result for result in scenarios if result["name"] == report["floor"])
    floor_ms = floor["median_ms"] or 0.01
    by_name = {result["name"]: result for result in scenarios}
    failed = {failure.split(":", 1)[0] for failure in report["failures"]}
    rows = []
    for result in scenarios:
        if result["name"] in failed:
            verdict = "FAIL"
        elif result["median_ms"] > result["max_ms"] or _slower_than(result, by_name):
            verdict = "slow"  # over its time budget where time budgets do not apply
        else:
            verdict = "ok"
        rows.append(
            [
                result["name"],
                result["who"],
                f"{result['queries']}/{result['max_queries']}",
                f"{result['median_ms']:.2f}/{result['max_ms']:g}",
                f"{result['p95_ms']:.2f}",
                f"{result['median_ms'] / floor_ms:.1f}",
                f"{result['bytes']:,}",
                verdict,
            ]
        )
    out = [
        f"In process, production profile, scale {report['scale']:g}, "
        f"{report['requests']} timed requests each:",
        *(
            []
            if report.get("time_budgets", True)
            else [
                "(time budgets are for scale 1: a median over its budget shows as 'slow'"
                " and does not fail this run; query budgets hold at every scale)"
            ]
        ),
        "",
        _table(
            ["scenario", "who", "queries/budget", "median ms/budget", "p95 ms", "x healthz"]
            + ["bytes", "result"],
            rows,
            right={2, 3, 4, 5, 6},
        ),
    ]
    streamed = [result for result in scenarios if result.get("max_memory_mb") is not None]
    if streamed:
        out += [
            "",
            "Streamed responses, the Python heap's peak growth while one is answered and read"
            " (tracemalloc):",
            "",
            _table(
                ["scenario", "streamed", "bytes", "median ms", "memory MB/budget"],
                [
                    [
                        result["name"],
                        "yes" if result["streaming"] else "NO",
                        f"{result['bytes']:,}",
                        f"{result['median_ms']:.2f}",
                        f"{result['memory_peak_mb']:.2f}/{result['max_memory_mb']:g}",
                    ]
                    for result in streamed
                ],
                right={2, 3, 4},
            ),
        ]
    http = report.get("http")
    if http:
        out += [
            "",
            f"Over HTTP: gunicorn, {http['workers']} sync workers, wrk for {http['seconds']:g} s"
            " per path:",
            "",
            _table(
                ["path", "cache", "requests/s", "x static", "p99 ms", "requests", "errors"],
                [_http_row(target, http["targets"]) for target in http["targets"]],
                right={2, 3, 4, 5, 6},
            ),
            f"(cache: the page cache's answer to the last warm-up request; cached pages"
            f" must reach {CACHED_SHARE:g} x static's requests/s where time budgets apply)",
            "",
            "Peak resident memory per worker (VmHWM): "
            + ", ".join(f"{worker['peak_rss_mib']} MiB" for worker in http["memory"]),
        ]
        out += _render_rush(http.get("rush"))
        out += _render_fund_rush(http.get("fund_rush"))
    out += ["", "Phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report["phases"].items())]
    if report["failures"]:
        out += ["", "Budgets broken:", *(f"  - {failure}" for failure in report["failures"])]
    elif report.get("time_budgets", True):
        out += ["", "Every budget met."]
    else:
        out += ["", "Every query budget met (time budgets not applied at this scale)."]
    return "\n".join(out)
