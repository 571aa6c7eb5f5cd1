"""Proposals in the Wagtail admin, for department staff: read only.

Programme managers and auditors list, filter, inspect and export sent proposals and
download their attachments (the model permission `challenges.view_proposal` of
`portal.roles`). Nobody adds, edits or deletes a proposal here: applicants write them
and their workflow goes through `challenges.services`.
"""

import csv
import tempfile
from datetime import datetime
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.forms.models import ModelChoiceIterator
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.ui.tables import Column, Table
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy

from challenges.enums import ProposalStatus
from challenges.judging.exports import csv_safe
from challenges.models import Attachment, Challenge, Proposal, Track
from challenges.selectors import PROPOSAL_LONG_TEXTS, proposals_sent
from portal.pagination import LateRows
from portal.storage import private_file_response

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
EXPORT_CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SENT_STATUS_CHOICES = [
    (value, label) for value, label in ProposalStatus.choices if value != ProposalStatus.DRAFT
]


class ProposalPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody, superusers included, adds, changes or
    deletes a proposal in the admin."""

    def user_has_permission(self, user, action):
        if action in {"add", "change", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(set(actions) - {"add", "change", "delete"})


class _ReadOnceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.rows:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.rows) + (self.field.empty_label is not None)


class _ReadOnceChoiceField(django_filters.fields.ModelChoiceField):
    """A model choice whose options and chosen value come from one read of its queryset
    (Django's ModelChoiceField queries once to validate and again to render)."""

    iterator = _ReadOnceIterator

    @cached_property
    def rows(self) -> list:
        return list(self.queryset)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for row in self.rows:
            if str(getattr(row, key)) == str(value):
                return row
        raise ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class _ReadOnceFilter(django_filters.ModelChoiceFilter):
    field_class = _ReadOnceChoiceField


class _TrackChoiceField(_ReadOnceChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.challenge.code} · {obj.name}"


class _TrackFilter(django_filters.ModelChoiceFilter):
    field_class = _TrackChoiceField


SENT_STATUSES = [value for value, _label in SENT_STATUS_CHOICES]


def _sent_count(status: str) -> str:
    return f"sent_{status}"


class ProposalFilterSet(WagtailFilterSet):
    # Each challenge comes with its sent proposals counted per status: the page's counts
    # per status, and its number of rows, are read in the same query as the options.
    challenge = _ReadOnceFilter(
        label=_("Challenge"),
        queryset=Challenge.objects.order_by("-opens_at", "code").annotate(
            **{
                _sent_count(status): Count("proposals", filter=Q(proposals__status=status))
                for status in SENT_STATUSES
            }
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=SENT_STATUS_CHOICES,
        empty_label=_("All"),
        widget=forms.RadioSelect,
    )
    track = _TrackFilter(
        label=_("Track"),
        queryset=Track.objects.select_related("challenge").order_by(
            "challenge__code", "sort_order", "id"
        ),
    )
    submitted_at = django_filters.DateFromToRangeFilter(
        label=_("Submitted between"), widget=DateRangePickerWidget
    )

    class Meta:
        model = Proposal
        fields = ["challenge", "status", "track", "submitted_at"]


def _vietnam_iso(value) -> str:
    return timezone.localtime(value, VIETNAM).isoformat() if value else ""


def _blank_if_none(value):
    return "" if value is None else value


def _mean(value):
    return "" if value is None else round(value, 2)


# (heading, column read by the database, how its value is written) for each exported
# column, in order. Plain values, not model instances: building 2,000 proposals (with
# their challenge, track and organisation) was most of the export's time.
EXPORT_COLUMNS = [
    (_("Reference"), "reference", None),
    (_("Challenge"), "challenge__code", None),
    (_("Track"), "track__name", _blank_if_none),
    (_("Organisation"), "organization__legal_name", None),
    (_("Tax code"), "organization__tax_code", _blank_if_none),
    (_("Title"), "title", None),
    (_("Status"), "status", None),
    (_("Budget (VND)"), "budget_vnd", None),
    (_("Duration (months)"), "duration_months", None),
    (_("Submitted at (Vietnam time)"), "submitted_at", _vietnam_iso),
    (_("Content SHA-256"), "content_sha256", None),
    (_("Attachments"), "attachments_count", None),
    (_("Reviews submitted"), "reviews_done", None),
    (_("Reviews pending"), "reviews_pending", None),
    (_("Mean score (out of 100)"), "mean_score", _mean),
]
# Lines of a CSV export sent together: fewer, larger writes to the client.
EXPORT_LINES_PER_CHUNK = 200


def _score(value) -> str:
    return "" if value is None else number_format(value, 2)


def _reviews(proposal) -> str:
    total = proposal.reviews_done + proposal.reviews_pending
    return f"{proposal.reviews_done}/{total}" if total else ""


class _Echo:
    """A file-like object whose write returns the line, for a streamed csv writer."""

    def write(self, value):
        return value


class PlainColumn(Column):
    """A cell written straight from its value. Wagtail renders each cell through a
    template, and a page of 100 proposals has 800 cells: that was most of its time."""

    def render_cell_html(self, instance, parent_context):
        value = self.get_value(instance)
        if isinstance(value, datetime):
            value = date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        return format_html("<td>{}</td>", "" if value is None else value)


class InspectLinkColumn(PlainColumn):
    """The row's title cell: a link to the proposal. No per-row menu: its only entry
    would be this same link, nothing here being editable."""

    def __init__(self, *args, url_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.url_name = url_name

    @cached_property
    def _url_template(self) -> str:
        # One reverse() for the page, not one per row: the pk is the only part that varies.
        return reverse(self.url_name, args=(0,)).removesuffix("0/") + "{}/"

    def render_cell_html(self, instance, parent_context):
        return format_html(
            '<td class="title"><div class="title-wrapper"><a href="{}">{}</a></div></td>',
            self._url_template.format(instance.pk),
            self.get_value(instance),
        )


class ProposalTable(Table):
    """Wagtail's table with its body written in one go: each row and cell through the
    component templates cost a third of a millisecond, a page of 100 over 30 ms."""

    template_name = "challenges/admin/proposal_table.html"

    @property
    def body_html(self):
        columns = list(self.columns.values())
        return mark_safe(  # noqa: S308 (every cell is built by format_html)
            "".join(
                "<tr>" + "".join(column.render_cell_html(row, None) for column in columns) + "</tr>"
                for row in self.data
            )
        )


class ProposalPaginator(LateRows, WagtailPaginator):
    """Each page's rows read by their ids: page 20 costs what page 1 does."""


class ProposalIndexView(generic.IndexView):
    default_ordering = "-submitted_at"
    table_class = ProposalTable
    paginator_class = ProposalPaginator

    @cached_property
    def columns(self):
        return [
            InspectLinkColumn(
                "reference",
                label=_("Reference"),
                sort_key="reference",
                url_name=self.inspect_url_name,
            ),
            PlainColumn("title", label=_("Title"), sort_key="title"),
            PlainColumn(
                "organization", label=_("Organisation"), accessor="organization.legal_name"
            ),
            PlainColumn("challenge", label=_("Challenge"), accessor="challenge.code"),
            PlainColumn("track", label=_("Track"), accessor=lambda p: p.track or ""),
            PlainColumn(
                "status", label=_("Status"), accessor="get_status_display", sort_key="status"
            ),
            PlainColumn("submitted_at", label=_("Submitted at"), sort_key="submitted_at"),
            PlainColumn("attachments_count", label=_("Attachments"), sort_key="attachments_count"),
            # Where judging stands in the latest round the proposal reached.
            PlainColumn("reviews", label=_("Reviews"), accessor=_reviews),
            PlainColumn(
                "mean_score", label=_("Mean score"), accessor=lambda p: _score(p.mean_score)
            ),
        ]

    def get_base_queryset(self):
        return proposals_sent().defer(*PROPOSAL_LONG_TEXTS)

    def order_queryset(self, queryset):
        # Newest first, any row without a date last, the id breaking ties.
        if self.ordering == "-submitted_at":
            return queryset.order_by(F("submitted_at").desc(nulls_last=True), "-id")
        if self.ordering == "submitted_at":
            return queryset.order_by(F("submitted_at").asc(nulls_last=True), "id")
        return super().order_queryset(queryset)

    def get(self, request, *args, **kwargs):
        if self.is_export:
            # Straight from the filtered queryset, without building the page's context.
            return self.as_spreadsheet(self.get_queryset(), request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    @cached_property
    def chosen_challenge(self):
        if self.filters is not None and self.filters.is_valid():
            return self.filters.form.cleaned_data.get("challenge")
        return None

    @cached_property
    def status_counts(self) -> dict[str, int]:
        """Sent proposals per status (zeros included) of the chosen challenge, or of all,
        from the challenge filter's own rows rather than a query of their own."""
        rows = (
            [self.chosen_challenge]
            if self.chosen_challenge
            else self.filters.form.fields["challenge"].rows
        )
        return {
            status: sum(getattr(row, _sent_count(status)) for row in rows)
            for status in SENT_STATUSES
        }

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        total = self._total_from_status_counts()
        if total is not None:
            paginator.count = total  # a cached_property: no COUNT query
        return paginator

    def _total_from_status_counts(self) -> int | None:
        """The number of rows listed, when the counts per status already hold it: no
        filter but the challenge and the status, no search."""
        if self.is_searching or not (self.filters is not None and self.filters.is_valid()):
            return None
        chosen = self.filters.form.cleaned_data
        if chosen.get("track") or chosen.get("submitted_at"):
            return None
        if chosen.get("status"):
            return self.status_counts[chosen["status"]]
        return sum(self.status_counts.values())

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        labels = dict(SENT_STATUS_CHOICES)
        context["status_counts"] = [(labels[s], n) for s, n in self.status_counts.items()]
        context["status_counts_challenge"] = self.chosen_challenge
        return context

    # Exports: rows read in chunks and written as they come.

    def _rows(self, queryset):
        columns = queryset.values_list(*(column for _heading, column, _write in EXPORT_COLUMNS))
        writers = [(i, write) for i, (_h, _c, write) in enumerate(EXPORT_COLUMNS) if write]
        for row in columns.iterator(chunk_size=EXPORT_CHUNK_SIZE):
            row = list(row)
            for i, write in writers:
                row[i] = write(row[i])
            yield row

    def _headings(self):
        return [str(heading) for heading, _column, _write in EXPORT_COLUMNS]

    def write_csv_response(self, queryset):
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff" + writer.writerow(self._headings())  # BOM: Excel reads UTF-8
            chunk = []
            for row in self._rows(queryset):
                # Titles and names are the applicants' words: never a formula.
                chunk.append(writer.writerow([csv_safe(value) for value in row]))
                if len(chunk) == EXPORT_LINES_PER_CHUNK:
                    yield "".join(chunk)
                    chunk = []
            if chunk:
                yield "".join(chunk)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response

    def write_xlsx_response(self, queryset):
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=str(_("Proposals"))[:31])
        sheet.append(self._headings())
        for row in self._rows(queryset):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value)
                if cell.data_type == "f":
                    cell.data_type = "s"  # text beginning with "=" stays text
                cells.append(cell)
            sheet.append(cells)
        # Written to disk as it goes, then sent from there in blocks.
        output = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
        workbook.save(output)
        output.seek(0)
        response = FileResponse(
            output,
            as_attachment=True,
            content_type=XLSX_CONTENT_TYPE,
            filename=f"{self.get_filename()}.xlsx",
        )
        response["Cache-Control"] = "private, no-store"
        return response


class ProposalInspectView(generic.InspectView):
    download_url_name = None

    def get_object(self, queryset=None):
        return get_object_or_404(proposals_sent(), pk=self.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachments"] = [
            (attachment, reverse(self.download_url_name, args=(attachment.pk,)))
            for attachment in self.object.attachments.order_by("uploaded_at", "id")
        ]
        return context


def attachment_download(request, pk):
    """A sent proposal's attachment, for staff who may view proposals; 404 otherwise."""
    if not request.user.has_perm("challenges.view_proposal"):
        raise Http404
    attachment = get_object_or_404(
        Attachment.objects.exclude(proposal__status=ProposalStatus.DRAFT), pk=pk
    )
    return private_file_response(
        attachment.file, filename=attachment.display_name, content_type=attachment.content_type
    )


class ProposalViewSet(ModelViewSet):
    model = Proposal
    icon = "doc-full"
    menu_label = _("Proposals")
    menu_order = 210
    add_to_admin_menu = True

    index_view_class = ProposalIndexView
    index_results_template_name = "challenges/admin/proposal_index_results.html"
    inspect_view_class = ProposalInspectView
    inspect_template_name = "challenges/admin/proposal_inspect.html"
    inspect_view_enabled = True
    copy_view_enabled = False
    # No add or edit form is ever shown (the permission policy refuses them); Wagtail
    # still builds one.
    form_fields = []

    # The list's columns are ProposalIndexView.columns.
    filterset_class = ProposalFilterSet
    list_per_page = 100
    ordering = "-submitted_at"
    search_fields = ["reference", "title", "organization__legal_name", "organization__short_name"]
    search_backend_name = None  # plain database lookups
    # The buttons; the rows themselves are written by ProposalIndexView.
    list_export = ["reference", "title"]
    export_filename = "proposals"
    inspect_view_fields = [
        "reference",
        "challenge",
        "track",
        "organization",
        "author",
        "title",
        "summary",
        "description",
        "budget_vnd",
        "duration_months",
        "team",
        "status",
        "submitted_at",
        "withdrawn_at",
        "content_sha256",
        "created_at",
        "updated_at",
    ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            download_url_name=self.get_url_name("attachment_download"), **kwargs
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path(
                "attachment/<int:pk>/download/",
                attachment_download,
                name="attachment_download",
            ),
        ]
