from rest_framework import pagination

from portal.pagination import LateRowPaginator


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=` and `?page_size=` (at most 100), as the API contract says."""

    page_size_query_param = "page_size"
    max_page_size = 100


class LateRowPageNumberPagination(PageNumberPagination):
    """The same, reading each page's rows by their ids (`portal.pagination`): for wide
    lists whose deep pages would otherwise cost more than the first."""

    django_paginator_class = LateRowPaginator


class NewestFirstCursorPagination(pagination.CursorPagination):
    """`?cursor=` and `?page_size=` (at most 100), newest first, and no count: for
    histories that grow without bound, where counting every row on every page would cost
    more than the page itself, and walking on costs the same at any depth."""

    ordering = ("-requested_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
