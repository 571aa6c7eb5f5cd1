"""LateRowPaginator: the same pages as Django's paginator, rows chosen by their ids."""

import pytest
from django.core.paginator import Paginator

from portal.pagination import LateRowPaginator
from startups.models import Organization
from tests.factories import OrganizationFactory
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db


def test_pages_hold_the_same_rows_in_the_same_order_as_djangos():
    for n in range(23):
        # Ties on the sort key, broken by the id, as the lists do.
        OrganizationFactory(legal_name=f"Công ty {n % 4}")
    rows = Organization.objects.select_related("verified_by").order_by("legal_name", "-id")
    plain, late = Paginator(rows, 5), LateRowPaginator(rows, 5)
    assert late.num_pages == plain.num_pages == 5
    for number in range(1, 6):
        expected = [row.pk for row in plain.page(number).object_list]
        page = late.page(number)
        assert [row.pk for row in page] == expected
        assert all(isinstance(row, Organization) for row in page)


def test_a_page_is_one_query():
    for n in range(12):
        OrganizationFactory(legal_name=f"Công ty {n}")
    rows = Organization.objects.order_by("legal_name", "id")
    paginator = LateRowPaginator(rows, 5)
    paginator.count  # noqa: B018 (counted once, before)
    queries, page = count_queries(lambda: list(paginator.page(3)))
    assert queries == 1
    assert len(page) == 2
