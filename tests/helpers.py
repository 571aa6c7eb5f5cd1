"""Helpers shared by tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(func, *args, **kwargs) -> tuple[int, object]:
    """Run `func` and return (number of SQL queries it ran, its result)."""
    with CaptureQueriesContext(connection) as context:
        result = func(*args, **kwargs)
    return len(context.captured_queries), result


def assert_constant_queries(func, add_rows, *, few: int = 1, many: int = 50):
    """Assert that `func` runs the same number of queries with `few` and `many` rows.

    `add_rows(n)` creates n more rows; `func()` renders the list and returns a response
    (or anything), which the caller may check. Returns the query count.
    """
    add_rows(few)
    func()  # warm per-process caches (site root paths, locales) so both counts compare alike
    queries_few, _ = count_queries(func)
    add_rows(many - few)
    queries_many, result = count_queries(func)
    assert queries_few == queries_many, (
        f"{queries_few} queries with {few} row(s) but {queries_many} with {many}"
    )
    return queries_many, result
