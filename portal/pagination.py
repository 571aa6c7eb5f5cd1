"""A paginator for wide lists (joins, a subquery per row): a page's rows are chosen by
their ids.

With OFFSET, PostgreSQL computes the whole select list (joined columns, per-row
subqueries) of every row it skips, so page 20 of a list cost much more than page 1.
Here the ids are sorted and sliced alone, in a subquery, and only the page's rows are
joined and computed: one query still, and a deep page costs what the first does.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet


class LateRows:
    """Mixed into a Paginator class (Django's, Wagtail's admin one). The queryset must be
    ordered by a unique key (the lists break ties by id), as any paginated list must."""

    def _get_page(self, object_list, number, paginator):
        if isinstance(object_list, QuerySet) and object_list.query.is_sliced:
            page_ids = object_list.values("pk")
            object_list = self.object_list.filter(pk__in=page_ids)
        return super()._get_page(object_list, number, paginator)


class LateRowPaginator(LateRows, Paginator):
    pass
