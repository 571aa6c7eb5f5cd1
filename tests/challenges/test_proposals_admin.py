"""Proposals in the Wagtail admin: department staff list, filter, inspect, download and
export sent proposals; nobody changes them there."""

import csv
import io
import itertools
import re
from datetime import UTC, datetime

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from challenges.admin_views import EXPORT_COLUMNS
from challenges.enums import ProposalStatus
from challenges.models import Attachment, Proposal, Track
from tests.factories import ChallengeFactory, OrganizationFactory
from tests.factories.challenges import ProposalFactory
from tests.helpers import assert_constant_queries, count_queries

pytestmark = pytest.mark.django_db

INDEX = "proposals:index"
_numbers = itertools.count(1)


def _sent(status=ProposalStatus.SUBMITTED, submitted_at=None, **fields):
    number = next(_numbers)
    return ProposalFactory(
        status=status,
        reference=f"R{number:05d}",
        submitted_at=submitted_at or datetime(2026, 3, 1, 3, 0, tzinfo=UTC),
        content_sha256=f"{number:064x}",
        **fields,
    )


def _attach(proposal, name="Hồ sơ.pdf", data=b"%PDF-1.7 test"):
    attachment = Attachment(
        proposal=proposal,
        kind="pitch_deck",
        display_name=name,
        content_type="application/pdf",
        size=len(data),
        sha256="c" * 64,
        uploaded_by=proposal.author,
    )
    attachment.file.save("x.pdf", ContentFile(data), save=False)
    attachment.save()
    return attachment


def _html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_manager_lists_sent_proposals_but_not_drafts(client, manager):
    sent = _sent(title="Giải pháp xử lý nước thải")
    _attach(sent)
    _attach(sent, name="Dự toán.pdf")
    draft = ProposalFactory(title="Bản nháp bí mật")
    client.force_login(manager)

    html = _html(client.get(reverse(INDEX)))

    assert "Giải pháp xử lý nước thải" in html
    assert sent.reference in html
    assert sent.organization.legal_name in html  # staff read the legal name
    assert "Bản nháp bí mật" not in html
    assert reverse("proposals:inspect", args=[sent.pk]) in html
    assert reverse("proposals:edit", args=[sent.pk]) not in html
    # Read only: no adding, editing or deleting.
    assert client.get(reverse("proposals:add")).status_code in {302, 403}
    assert client.get(reverse("proposals:edit", args=[sent.pk])).status_code in {302, 403}
    assert client.get(reverse("proposals:delete", args=[sent.pk])).status_code in {302, 403}
    assert client.get(reverse("proposals:inspect", args=[draft.pk])).status_code == 404
    assert Proposal.objects.filter(pk=sent.pk).exists()


def test_listing_is_newest_first(client, manager):
    _sent(title="Cũ hơn", submitted_at=datetime(2026, 1, 1, tzinfo=UTC))
    _sent(title="Mới hơn", submitted_at=datetime(2026, 2, 1, tzinfo=UTC))
    client.force_login(manager)

    html = _html(client.get(reverse(INDEX)))

    assert html.index("Mới hơn") < html.index("Cũ hơn")


def test_listing_filters_and_searches(client, manager):
    water = ChallengeFactory(code="WATER-2026")
    track = Track.objects.create(challenge=water, code="school", name="Trường học")
    _sent(
        challenge=water,
        track=track,
        title="Alpha",
        submitted_at=datetime(2026, 1, 10, 3, tzinfo=UTC),
        organization=OrganizationFactory(legal_name="Công ty Sông Cầu"),
    )
    _sent(
        challenge=water,
        title="Beta",
        status=ProposalStatus.WITHDRAWN,
        submitted_at=datetime(2026, 2, 10, 3, tzinfo=UTC),
    )
    gamma = _sent(title="Gamma", submitted_at=datetime(2026, 3, 10, 3, tzinfo=UTC))
    client.force_login(manager)

    def titles(**params):
        html = _html(client.get(reverse(INDEX), params))
        return {t for t in ("Alpha", "Beta", "Gamma") if re.search(rf">\s*{t}\s*<", html)}

    assert titles() == {"Alpha", "Beta", "Gamma"}
    assert titles(challenge=water.pk) == {"Alpha", "Beta"}
    assert titles(status=ProposalStatus.WITHDRAWN) == {"Beta"}
    assert titles(track=track.pk) == {"Alpha"}
    assert titles(submitted_at_from="2026-02-01", submitted_at_to="2026-02-28") == {"Beta"}
    assert titles(q="sông cầu") == {"Alpha"}
    assert titles(q=gamma.reference) == {"Gamma"}


def test_counts_per_status_follow_the_challenge_filter(client, manager):
    water = ChallengeFactory()
    _sent(challenge=water)
    _sent(challenge=water)
    _sent(challenge=water, status=ProposalStatus.WITHDRAWN)
    ProposalFactory(challenge=water)  # a draft: not counted
    _sent(status=ProposalStatus.WITHDRAWN)
    client.force_login(manager)

    view = client.get(reverse(INDEX), {"challenge": water.pk})
    counts = dict(view.context["status_counts"])
    assert counts[ProposalStatus.SUBMITTED.label] == 2
    assert counts[ProposalStatus.WITHDRAWN.label] == 1
    assert counts[ProposalStatus.WINNER.label] == 0
    assert ProposalStatus.DRAFT.label not in counts

    counts = dict(client.get(reverse(INDEX)).context["status_counts"])
    assert counts[ProposalStatus.WITHDRAWN.label] == 2
    assert "data-proposal-status-counts" in view.content.decode()


def test_listing_runs_a_constant_number_of_queries(client, manager):
    client.force_login(manager)
    challenge = ChallengeFactory()

    def add(n):
        for _ in range(n):
            _attach(_sent(challenge=challenge, organization=OrganizationFactory()))

    def fetch():
        return _html(client.get(reverse(INDEX)))

    _queries, html = assert_constant_queries(fetch, add, few=1, many=30)
    assert html.count(reverse("proposals:inspect", args=[0])[:-2]) >= 30


def test_inspect_shows_the_proposal_and_its_attachments(client, manager):
    proposal = _sent(title="Giải pháp cảm biến")
    attachment = _attach(proposal, name="Thuyết minh.pdf")
    client.force_login(manager)

    html = _html(client.get(reverse("proposals:inspect", args=[proposal.pk])))

    assert "Giải pháp cảm biến" in html
    assert proposal.content_sha256 in html
    assert "Thuyết minh.pdf" in html
    assert attachment.sha256 in html
    assert reverse("proposals:attachment_download", args=[attachment.pk]) in html


def test_staff_download_streams_the_private_file(client, manager):
    attachment = _attach(_sent(), name="Hồ sơ.pdf", data=b"%PDF-1.7 noi dung")
    client.force_login(manager)

    response = client.get(reverse("proposals:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 noi dung"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_download_is_refused_to_others(client, applicant, officer, manager):
    attachment = _attach(_sent())
    draft_attachment = _attach(ProposalFactory())
    url = reverse("proposals:attachment_download", args=[attachment.pk])

    client.force_login(applicant)  # no admin access: sent to log in, no file
    response = client.get(url)
    assert response.status_code == 302 and not response.has_header("Content-Disposition")

    client.force_login(officer)  # in the admin, but may not view proposals
    assert client.get(url).status_code == 404

    client.force_login(manager)  # drafts are the applicants' own business
    draft_url = reverse("proposals:attachment_download", args=[draft_attachment.pk])
    assert client.get(draft_url).status_code == 404


@pytest.mark.parametrize("url_name", ["index", "inspect"])
def test_applicants_and_jurors_are_refused(client, applicant, juror, url_name):
    proposal = _sent(title="Không được xem")
    url = reverse(f"proposals:{url_name}", args=[proposal.pk] if url_name == "inspect" else [])
    for user in (applicant, juror):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code in {302, 403}
        assert "Không được xem" not in response.content.decode()


def test_auditor_may_read(client, auditor):
    _sent(title="Kiểm toán đọc được")
    client.force_login(auditor)

    assert "Kiểm toán đọc được" in _html(client.get(reverse(INDEX)))


def _export_headings():
    """The headings as a Vietnamese member of staff reads them."""
    with translation.override("vi"):
        return [str(heading) for heading, _column, _write in EXPORT_COLUMNS]


def _export_fixture():
    challenge = ChallengeFactory(code="P1-2026")
    track = Track.objects.create(challenge=challenge, code="k12", name="Trung học")
    proposal = _sent(
        challenge=challenge,
        track=track,
        title="Hệ thống cảnh báo ngập lụt Đồng Nai",
        budget_vnd=2_345_678_901,
        duration_months=18,
        submitted_at=datetime(2026, 3, 1, 17, 30, tzinfo=UTC),
        organization=OrganizationFactory(legal_name="Công ty Ánh Dương", tax_code="0100109106"),
    )
    _attach(proposal)
    _attach(proposal)
    return proposal


def _expected_row(proposal):
    return [
        proposal.reference,
        "P1-2026",
        "Trung học",
        "Công ty Ánh Dương",
        "0100109106",
        "Hệ thống cảnh báo ngập lụt Đồng Nai",
        "submitted",
        2_345_678_901,
        18,
        "2026-03-02T00:30:00+07:00",
        proposal.content_sha256,
        2,
        0,  # no review yet: none submitted, none pending, no mean score
        0,
        "",
    ]


def _csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def _xlsx_rows(response):
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def test_csv_export_has_a_line_per_proposal_with_exact_values(client, manager):
    proposal = _export_fixture()
    _sent()
    ProposalFactory()  # a draft: not exported
    client.force_login(manager)

    rows = _csv_rows(client.get(reverse(INDEX), {"export": "csv"}))

    assert len(rows) == 3
    assert rows[0] == _export_headings()
    assert rows[1] == [str(value) for value in _expected_row(proposal)]


def test_csv_export_never_hands_a_spreadsheet_a_formula(client, manager):
    _sent(title='=HYPERLINK("http://evil.example","Bấm")')
    client.force_login(manager)

    rows = _csv_rows(client.get(reverse(INDEX), {"export": "csv"}))

    assert rows[1][5] == """'=HYPERLINK("http://evil.example","Bấm")"""


def test_xlsx_export_has_a_row_per_proposal_with_exact_values(client, manager):
    proposal = _export_fixture()
    _sent()
    client.force_login(manager)

    response = client.get(reverse(INDEX), {"export": "xlsx"})

    assert response["Content-Disposition"].startswith("attachment;")
    rows = _xlsx_rows(response)
    assert len(rows) == 3
    assert rows[0] == _export_headings()
    assert rows[1] == [*_expected_row(proposal)[:-1], None]  # an empty cell


def test_export_follows_the_filters(client, manager):
    proposal = _export_fixture()
    _sent(status=ProposalStatus.WITHDRAWN)
    client.force_login(manager)

    rows = _csv_rows(
        client.get(reverse(INDEX), {"export": "csv", "challenge": proposal.challenge_id})
    )

    assert [row[0] for row in rows[1:]] == [proposal.reference]


@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_export_queries_do_not_grow_with_rows(client, manager, export):
    client.force_login(manager)
    challenge = ChallengeFactory()

    def add(n):
        for _ in range(n):
            _attach(_sent(challenge=challenge, organization=OrganizationFactory()))

    def fetch():
        response = client.get(reverse(INDEX), {"export": export})
        return _csv_rows(response) if export == "csv" else _xlsx_rows(response)

    add(5)
    queries_few, rows = count_queries(fetch)
    assert len(rows) == 6
    add(45)
    queries_many, rows = count_queries(fetch)
    assert len(rows) == 51
    assert queries_many == queries_few <= 8


def test_list_shows_status_labels_in_the_staff_language(client, manager):
    from django.urls import reverse

    from challenges import services
    from tests.challenges.test_proposal_services import verified
    from tests.factories import MembershipFactory, UserFactory
    from tests.factories.challenges import ProposalFactory

    member = verified(UserFactory())
    proposal = ProposalFactory()
    MembershipFactory(organization=proposal.organization, user=member)
    services.proposal_submit(actor=member, proposal=proposal)
    client.force_login(manager)

    html = client.get(reverse("proposals:index")).content.decode()

    # The row's status cell, not only the filter's options.
    assert re.search(r"<td[^>]*>\s*Đã nộp\s*</td>", html)
    assert not re.search(r"<td[^>]*>\s*submitted\s*</td>", html)
