"""Auditors read everything and change nothing; every operation documents its errors."""

import pytest

from fund import services
from fund.enums import ApplicationStatus
from fund.models import Award, Disbursement, FundApplication, FundDocument, LedgerEntry, Tranche
from portal.models import AuditEvent
from tests.fund.api.conftest import (
    APPLICATIONS,
    AWARDS,
    CALLS,
    DISBURSEMENTS,
    POSITION,
    application_url,
    award_url,
    disbursement_url,
    milestone_url,
    reverse_url,
)

pytestmark = pytest.mark.django_db

MILLION = 1_000_000


@pytest.fixture
def records(officer, approver, member, award, application_in):
    """One of everything: a draft with a document, a committee application, a met
    tranche with a paid and a pending disbursement."""
    from tests.fund.test_documents import add

    draft = application_in()
    document = add(member, draft)
    committee = application_in(ApplicationStatus.COMMITTEE)
    tranche = services.tranche_milestone_met(award.tranches.get(number=1), actor=officer)
    payment = services.disbursement_request(award, tranche, 100 * MILLION, "UNC-1", actor=officer)
    services.disbursement_approve(payment, actor=approver)
    pending = services.disbursement_request(award, tranche, 50 * MILLION, "UNC-2", actor=officer)
    return {
        "draft": draft,
        "document": document,
        "committee": committee,
        "award": award,
        "tranche": tranche,
        "unmet": award.tranches.get(number=2),
        "pending": pending,
        "entry": payment.ledger.get(),
    }


def test_an_auditor_reads_everything(auditor_client, records, member):
    sent = services.application_submit(records["draft"], actor=member)
    file_url = application_url(sent, f"documents/{records['document'].pk}/file/")

    for url in (
        CALLS,
        POSITION,
        APPLICATIONS,
        application_url(sent),
        file_url,
        AWARDS,
        award_url(records["award"]),
        award_url(records["award"]) + "ledger/",
        DISBURSEMENTS,
        disbursement_url(records["pending"]),
    ):
        assert auditor_client.get(url).status_code == 200, url
    assert auditor_client.get(APPLICATIONS).data["count"] == 3
    assert len(auditor_client.get(award_url(records["award"])).data["ledger_latest"]) == 1


def test_an_auditor_gets_403_on_every_write_and_nothing_changes(auditor_client, records):
    draft, committee, award = records["draft"], records["committee"], records["award"]
    tranche, pending = records["tranche"], records["pending"]
    before = {
        model: model.objects.count()
        for model in (FundApplication, FundDocument, Award, Tranche, Disbursement, LedgerEntry)
    }
    events = AuditEvent.objects.count()
    writes = [
        ("post", APPLICATIONS, {"call": draft.call_id, "organization": draft.organization_id}),
        ("patch", application_url(draft), {"summary": "x"}),
        ("post", application_url(draft, "submit/"), {}),
        ("post", application_url(committee, "withdraw/"), {}),
        ("post", application_url(committee, "transition/"), {"to": "submitted", "note": "x"}),
        ("post", application_url(committee, "decision/"), {"decision": "reject", "note": "x"}),
        ("post", application_url(draft, "documents/"), {}),
        ("delete", application_url(draft, f"documents/{records['document'].pk}/"), None),
        ("post", milestone_url(records["unmet"]), {}),
        (
            "post",
            DISBURSEMENTS,
            {"award": award.pk, "tranche": tranche.pk, "amount_vnd": 1, "reference": "A-1"},
        ),
        ("post", disbursement_url(pending, "approve/"), {}),
        ("post", disbursement_url(pending, "reject/"), {"note": "x"}),
        ("post", reverse_url(records["entry"]), {"note": "x"}),
    ]

    for method, url, body in writes:
        response = getattr(auditor_client, method)(url, body)
        assert response.status_code == 403, (method, url, response.status_code)
        assert response.data == {
            "detail": "Auditors read the fund's records; they change nothing."
        }, url

    assert before == {model: model.objects.count() for model in before}
    assert AuditEvent.objects.count() == events
    assert FundApplication.objects.get(pk=committee.pk).status == ApplicationStatus.COMMITTEE
    assert not Tranche.objects.get(pk=records["unmet"].pk).milestone_met


# The OpenAPI document

APPLICATION = "/api/v1/fund/applications/{id}/"
DOCUMENT = APPLICATION + "documents/{document_id}/"

FUND_STATUSES = {
    ("/api/v1/fund/calls/", "get"): {"200", "400", "404"},
    ("/api/v1/fund/calls/{id}/", "get"): {"200", "404"},
    ("/api/v1/fund/applications/", "get"): {"200", "400", "401", "404"},
    ("/api/v1/fund/applications/", "post"): {"201", "400", "401", "403", "409"},
    (APPLICATION, "get"): {"200", "401", "404"},
    (APPLICATION, "patch"): {"200", "400", "401", "403", "404", "409"},
    (APPLICATION + "submit/", "post"): {"200", "400", "401", "403", "404", "409"},
    (APPLICATION + "withdraw/", "post"): {"200", "400", "401", "403", "404", "409"},
    (APPLICATION + "transition/", "post"): {"200", "400", "401", "403", "404", "409"},
    (APPLICATION + "decision/", "post"): {"200", "201", "400", "401", "403", "404", "409"},
    (APPLICATION + "documents/", "post"): {"201", "400", "401", "403", "404", "409"},
    (DOCUMENT, "delete"): {"204", "401", "403", "404", "409"},
    (DOCUMENT + "file/", "get"): {"200", "401", "404"},
    ("/api/v1/fund/tranches/{id}/milestone-met/", "post"): {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
    },
    ("/api/v1/fund/awards/", "get"): {"200", "400", "401", "404"},
    ("/api/v1/fund/awards/{id}/", "get"): {"200", "401", "404"},
    ("/api/v1/fund/awards/{id}/ledger/", "get"): {"200", "401", "403", "404"},
    ("/api/v1/fund/disbursements/", "get"): {"200", "400", "401", "403", "404"},
    ("/api/v1/fund/disbursements/", "post"): {"201", "400", "401", "403", "409"},
    ("/api/v1/fund/disbursements/{id}/", "get"): {"200", "401", "403", "404"},
    ("/api/v1/fund/disbursements/{id}/approve/", "post"): {"200", "401", "403", "404", "409"},
    ("/api/v1/fund/disbursements/{id}/reject/", "post"): {
        "200",
        "400",
        "401",
        "403",
        "404",
        "409",
    },
    ("/api/v1/fund/ledger/{id}/reverse/", "post"): {"201", "400", "401", "403", "404", "409"},
    ("/api/v1/fund/position/", "get"): {"200"},
}
PUBLIC = {
    ("/api/v1/fund/calls/", "get"),
    ("/api/v1/fund/calls/{id}/", "get"),
    ("/api/v1/fund/position/", "get"),
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_every_fund_operation_documents_its_error_statuses(schema):
    documented = {
        (path, method): set(operation["responses"])
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/v1/fund/")
    }

    assert documented == FUND_STATUSES
    for path, method in FUND_STATUSES:
        anonymous_allowed = {} in schema["paths"][path][method]["security"]
        assert anonymous_allowed == ((path, method) in PUBLIC), (path, method)


def test_amounts_are_documented_as_integers_and_uploads_as_multipart(schema):
    components = schema["components"]["schemas"]
    create = schema["paths"]["/api/v1/fund/applications/"]["post"]["requestBody"]["content"]
    ref = create["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert components[ref]["properties"]["requested_vnd"]["type"] == "integer"
    assert {"call", "organization", "requested_vnd", "instrument", "summary"} <= set(
        components[ref]["required"]
    )
    upload = schema["paths"][APPLICATION + "documents/"]["post"]["requestBody"]["content"]
    assert list(upload) == ["multipart/form-data"]
    ref = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(components[ref]["properties"]) == {"file", "kind"}
    assert components[ref]["properties"]["file"]["format"] == "binary"
    position = schema["paths"]["/api/v1/fund/position/"]["get"]["responses"]["200"]
    ref = position["content"]["application/json"]["schema"]["items"]["$ref"].rsplit("/", 1)[1]
    assert {
        "capital_vnd",
        "committed_vnd",
        "disbursed_vnd",
        "available_vnd",
    } <= set(components[ref]["properties"])


def test_list_filters_are_documented(schema):
    def parameters(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert {"status", "page", "page_size"} <= parameters("/api/v1/fund/calls/")
    assert {"status", "call", "organization", "ordering"} <= parameters(
        "/api/v1/fund/applications/"
    )
    assert {"status", "award"} <= parameters("/api/v1/fund/disbursements/")
    assert parameters("/api/v1/fund/awards/{id}/ledger/") == {"id", "page", "page_size", "cursor"}
