"""Organisations in the Wagtail admin: department staff list, read, edit and verify."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from portal.models import AuditEvent
from startups.enums import MembershipRole, OrganizationKind, Sector, StartupStage
from startups.models import Organization
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    StartupFactory,
    UserFactory,
)
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db

INDEX = "organizations:index"


def _vi(text):
    """`text` as the admin shows it to a Vietnamese user."""
    with translation.override("vi"):
        return translation.gettext(str(text))


def _html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _edit_data(organization, **changes):
    data = {
        "kind": organization.kind,
        "legal_name": organization.legal_name,
        "short_name": organization.short_name,
        "tax_code": organization.tax_code or "",
        "sector": organization.sector,
        "founded_year": organization.founded_year or "",
        "size_band": organization.size_band,
        "website": organization.website,
        "email": organization.email,
        "phone": organization.phone,
        "address": organization.address,
        "province": organization.province,
        "description": organization.description,
    }
    if organization.is_public:
        data["is_public"] = "on"
    if organization.verified:
        data["verified"] = "on"
    for name, value in changes.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


def test_programme_manager_lists_organisations_with_their_member_counts(client, manager):
    firm = OrganizationFactory(legal_name="Công ty Cổ phần Kinh Bắc Số", tax_code="0100109106")
    MembershipFactory.create_batch(3, organization=firm)
    client.force_login(manager)

    html = _html(client.get(reverse(INDEX)))

    assert "Công ty Cổ phần Kinh Bắc Số" in html
    assert "0100109106" in html
    assert _vi(Sector.SOFTWARE.label) in html  # the sector's label, not its identifier
    assert re.search(r"<td >\s*3\s*</td>", html)  # its members
    # No adding or deleting organisations from the admin.
    assert reverse("organizations:add") not in html
    assert client.get(reverse("organizations:add")).status_code in {302, 403}
    assert client.get(reverse("organizations:delete", args=[firm.pk])).status_code in {302, 403}
    assert Organization.objects.filter(pk=firm.pk).exists()


def test_listing_filters_and_searches(client, manager):
    OrganizationFactory(legal_name="Công ty Phần mềm Alpha", short_name="ALPHA", verified=True)
    OrganizationFactory(
        legal_name="Công ty Nông nghiệp Beta", short_name="BETA", sector=Sector.AGRICULTURE
    )
    StartupFactory(legal_name="Khởi nghiệp Gamma", short_name="GAMMA", province="ha-noi")
    client.force_login(manager)

    def names(**params):
        html = _html(client.get(reverse(INDEX), params))
        return {name for name in ("Alpha", "Beta", "Gamma") if name in html}

    assert names() == {"Alpha", "Beta", "Gamma"}
    assert names(kind=OrganizationKind.STARTUP) == {"Gamma"}
    assert names(sector=Sector.AGRICULTURE) == {"Beta"}
    assert names(province="ha-noi") == {"Gamma"}
    assert names(verified="true") == {"Alpha"}
    assert names(q="beta") == {"Beta"}
    assert names(q=Organization.objects.get(short_name="GAMMA").tax_code) == {"Gamma"}


def test_listing_runs_a_constant_number_of_queries(client, manager):
    client.force_login(manager)

    def add(n):
        for _ in range(n):
            MembershipFactory.create_batch(2, organization=OrganizationFactory())

    def fetch():
        return _html(client.get(reverse(INDEX)))

    _queries, html = assert_constant_queries(fetch, add, few=1, many=30)
    assert html.count(reverse("organizations:inspect", args=[0])[:-2]) >= 30


def test_edit_goes_through_the_service_and_is_audited(client, manager):
    firm = OrganizationFactory(legal_name="Công ty Cũ", verified=True)
    client.force_login(manager)
    assert _html(client.get(reverse("organizations:edit", args=[firm.pk])))

    response = client.post(
        reverse("organizations:edit", args=[firm.pk]),
        _edit_data(firm, legal_name="Công ty Mới", is_public=True),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    firm.refresh_from_db()
    assert firm.legal_name == "Công ty Mới" and firm.is_public
    # The legal name is a checked fact: the edit withdrew, then the kept box renewed,
    # the verification, each step audited.
    events = list(
        AuditEvent.objects.filter(object_id=str(firm.pk))
        .order_by("sequence")
        .values_list("action", "actor__email", "data")
    )
    assert events[0][0] == "organization.update" and events[0][1] == manager.email
    assert events[0][2]["changed"]["legal_name"] == {"from": "Công ty Cũ", "to": "Công ty Mới"}
    assert events[0][2]["verification_withdrawn"] is True
    assert [e[0] for e in events[1:]] == ["organization.verify"]
    assert firm.verified and firm.verified_by == manager


def test_edit_without_changes_writes_no_event(client, manager):
    firm = OrganizationFactory()
    client.force_login(manager)

    response = client.post(reverse("organizations:edit", args=[firm.pk]), _edit_data(firm))

    assert response.status_code == 302
    assert not AuditEvent.objects.exists()


def test_edit_shows_the_rules_as_form_errors_and_saves_nothing(client, manager):
    school = OrganizationFactory(kind=OrganizationKind.SCHOOL, tax_code=None)
    taken = OrganizationFactory(tax_code="0100109106")
    client.force_login(manager)
    url = reverse("organizations:edit", args=[school.pk])

    # A firm without a tax code (the model's constraint), and a tax code another
    # organisation holds, typed with spaces (only the service's normalisation finds it).
    no_code = _html(client.post(url, _edit_data(school, kind=OrganizationKind.STARTUP)))
    spaced = _html(client.post(url, _edit_data(school, tax_code="0100 109 106")))

    assert _vi("Enterprises and startups need a tax code.") in no_code
    assert _vi("An organisation with this tax code is already registered.") in spaced
    school.refresh_from_db()
    assert school.kind == OrganizationKind.SCHOOL and school.tax_code is None
    assert taken.tax_code == "0100109106"
    assert not AuditEvent.objects.exists()


def test_verify_action_verifies_then_withdraws(client, manager):
    firm = OrganizationFactory()
    url = reverse("organizations:verify", args=[firm.pk])
    client.force_login(manager)

    listing = _html(client.get(reverse(INDEX)))
    assert url in listing
    assert _vi("Verify") in _html(client.get(url))
    response = client.post(url, {"verified": "1", "note": "Đã đối chiếu đăng ký kinh doanh"})
    assert response.status_code == 302
    assert response["Location"] == reverse("organizations:inspect", args=[firm.pk])
    firm.refresh_from_db()
    assert firm.verified and firm.verified_by == manager and firm.verified_at
    # The same POST again (a double click) changes nothing.
    client.post(url, {"verified": "1"})
    assert client.post(url, {"verified": "0"}).status_code == 302
    firm.refresh_from_db()
    assert not firm.verified
    actions = list(AuditEvent.objects.order_by("sequence").values_list("action", "data"))
    assert actions == [
        (
            "organization.verify",
            {"from": False, "to": True, "note": "Đã đối chiếu đăng ký kinh doanh"},
        ),
        ("organization.unverify", {"from": True, "to": False, "note": ""}),
    ]


def test_inspect_shows_members_and_the_startup_profile(client, officer):
    owner = UserFactory(full_name="Nguyễn Thị Hoa", email="hoa@example.test")
    startup = StartupFactory(legal_name="Khởi nghiệp Xanh", owner=owner)
    client.force_login(officer)

    html = _html(client.get(reverse("organizations:inspect", args=[startup.pk])))

    assert "Khởi nghiệp Xanh" in html
    assert "Nguyễn Thị Hoa" in html and "hoa@example.test" in html
    assert _vi(MembershipRole.OWNER.label) in html
    assert _vi(StartupStage.MVP.label) in html
    assert "500.000.000" in html  # funding raised, whole đồng, Vietnamese grouping
    # A fund officer reads; the verify button is for programme managers.
    assert reverse("organizations:verify", args=[startup.pk]) not in html


def test_auditors_read_but_change_nothing(client, auditor):
    firm = OrganizationFactory(legal_name="Công ty Kiểm toán Thử")
    client.force_login(auditor)

    listing = _html(client.get(reverse(INDEX)))
    assert "Công ty Kiểm toán Thử" in listing
    assert reverse("organizations:edit", args=[firm.pk]) not in listing
    assert reverse("organizations:verify", args=[firm.pk]) not in listing
    assert _html(client.get(reverse("organizations:inspect", args=[firm.pk])))

    edit = client.post(
        reverse("organizations:edit", args=[firm.pk]), _edit_data(firm, legal_name="Đổi tên")
    )
    verify = client.post(reverse("organizations:verify", args=[firm.pk]), {"verified": "1"})

    assert edit.status_code in {302, 403} and verify.status_code in {302, 403}
    firm.refresh_from_db()
    assert firm.legal_name == "Công ty Kiểm toán Thử" and not firm.verified
    assert not AuditEvent.objects.exists()


def test_applicants_are_refused(client, applicant):
    firm = OrganizationFactory()
    MembershipFactory(organization=firm, user=applicant, role=MembershipRole.OWNER)
    client.force_login(applicant)

    for url in (
        reverse(INDEX),
        reverse("organizations:inspect", args=[firm.pk]),
        reverse("organizations:edit", args=[firm.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], url
    response = client.post(reverse("organizations:verify", args=[firm.pk]), {"verified": "1"})
    assert response.status_code == 302
    firm.refresh_from_db()
    assert not firm.verified


def test_menu_shows_organisations_to_staff_who_may_see_them(client, manager, auditor):
    client.force_login(manager)
    assert reverse(INDEX) in _html(client.get("/admin/"))
    client.force_login(auditor)
    assert reverse(INDEX) in _html(client.get("/admin/"))
