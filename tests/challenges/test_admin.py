import pytest
from django.utils import timezone

from challenges.models import Challenge

pytestmark = pytest.mark.django_db


def test_manager_sets_eligibility_and_tracks_in_the_admin(client, manager):
    client.force_login(manager)
    local = timezone.localtime()
    data = {
        "code": "STEM-2027",
        "kind": "stem_contest",
        "sector": "education",
        "title": "Cuộc thi STEM 2027",
        "summary": "",
        "opens_at": (local + timezone.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
        "closes_at": (local + timezone.timedelta(days=40)).strftime("%Y-%m-%d %H:%M"),
        "results_published_at": "",
        "eligible_kinds": ["school", "university"],
        "requires_verified_organization": "on",
        "max_proposals_per_organization": "3",
        "budget_ceiling_vnd": "50000000",
        "submission_language": "vi",
        "support_offered": "Giải nhất 50 triệu đồng",
        "contact_email": "stem@example.test",
        "tracks-TOTAL_FORMS": "2",
        "tracks-INITIAL_FORMS": "0",
        "tracks-MIN_NUM_FORMS": "0",
        "tracks-MAX_NUM_FORMS": "1000",
        "tracks-0-code": "thcs",
        "tracks-0-name": "Trung học cơ sở",
        "tracks-0-name_en": "Lower secondary",
        "tracks-0-sort_order": "1",
        "tracks-0-ORDER": "1",
        "tracks-1-code": "thpt",
        "tracks-1-name": "Trung học phổ thông",
        "tracks-1-name_en": "Upper secondary",
        "tracks-1-sort_order": "2",
        "tracks-1-ORDER": "2",
    }

    response = client.post("/admin/snippets/challenges/challenge/add/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    challenge = Challenge.objects.get(code="STEM-2027")
    assert challenge.eligible_kinds == ["school", "university"]
    assert challenge.requires_verified_organization is True
    assert (challenge.max_proposals_per_organization, challenge.budget_ceiling_vnd) == (
        3,
        50_000_000,
    )
    assert list(challenge.tracks.values_list("code", "name_en")) == [
        ("thcs", "Lower secondary"),
        ("thpt", "Upper secondary"),
    ]


def test_unknown_eligible_kind_is_refused_by_the_model():
    from django.core.exceptions import ValidationError

    from tests.factories import ChallengeFactory

    challenge = ChallengeFactory.build(eligible_kinds=["alien"])
    with pytest.raises(ValidationError) as error:
        challenge.clean()
    assert list(error.value.message_dict) == ["eligible_kinds"]
