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
        twin = result.get("same_queries_as")
        if twin and by_name[twin]["queries"] != result["queries"]:
            failures.append(
                f"{name}: {result['queries']} queries but {twin} runs {by_name[twin]['queries']}"
                " (the query count grows with the rows)"
            )
    return failures


def check_http(http: dict | None) -> list[str]:
    if not http:
        return []
    return [
        f"HTTP {target['name']}: {target['errors']} errors"
        for target in http["targets"]
        if target["errors"]
    ]


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "  ".join(
            str(cell).rjust(width) if i in right else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def render(report: dict) -> str:
    scenarios = report["scenarios"]
    floor = next(result for result in scenarios if result["name"] == report["floor"])
    floor_ms = floor["median_ms"] or 0.01
    failed = {failure.split(":", 1)[0] for failure in report["failures"]}
    rows = []
    for result in scenarios:
        if result["name"] in failed:
            verdict = "FAIL"
        elif result["median_ms"] > result["max_ms"]:
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
    http = report.get("http")
    if http:
        out += [
            "",
            f"Over HTTP: gunicorn, {http['workers']} sync workers, wrk for {http['seconds']:g} s"
            " per path:",
            "",
            _table(
                ["path", "requests/s", "p99 ms", "requests", "errors"],
                [
                    [
                        f"{target['name']} {target['path']}",
                        f"{target['requests_per_s']:,.0f}",
                        f"{target['p99_ms']:.1f}",
                        f"{target['requests']:,}",
                        target["errors"],
                    ]
                    for target in http["targets"]
                ],
                right={1, 2, 3, 4},
            ),
            "",
            "Peak resident memory per worker (VmHWM): "
            + ", ".join(f"{worker['peak_rss_mib']} MiB" for worker in http["memory"]),
        ]
    out += ["", "Phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in report["phases"].items())]
    if report["failures"]:
        out += ["", "Budgets broken:", *(f"  - {failure}" for failure in report["failures"])]
    elif report.get("time_budgets", True):
        out += ["", "Every budget met."]
    else:
        out += ["", "Every query budget met (time budgets not applied at this scale)."]
    return "\n".join(out)
