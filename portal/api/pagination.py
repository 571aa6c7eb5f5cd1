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
