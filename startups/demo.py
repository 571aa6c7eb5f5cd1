"""Demo organisations, one or more of each kind, with their members. SAMPLE CONTENT:
the names are invented. Used only by `manage.py seed_demo`.

Each organisation is found by its tax code; one that exists is left as it is (a demo
user may have edited it), so a second run changes nothing. A new one is made through
the services, as an applicant and the department would, so its audit events exist.
"""

from django.db import transaction

from portal.demo import demo_user
from portal.models import User
from startups.enums import MembershipRole, OrganizationKind, Sector, SizeBand, StartupStage
from startups.models import Invitation, Organization
from startups.services import (
    invitation_create,
    organization_create,
    organization_verify,
    startup_profile_update,
)

APPLICANT = "applicant@demo.example"
APPLICANT2 = "applicant2@demo.example"
MANAGER = "manager@demo.example"

# The people who own the other demo organisations: (e-mail, full name, language).
DEMO_MEMBERS = [
    ("lab@demo.example", "Đỗ Thị Thu", "vi"),
    ("institute@demo.example", "Ngô Quang Huy", "vi"),
    ("school@demo.example", "Phan Thị Mai", "vi"),
    ("coop@demo.example", "Lý Văn Nam", "en"),
]

# key: (owner, verified, fields, startup profile or None). Tax codes are valid (check
# digit included) and unused by any real firm we know of: SAMPLE.
DEMO_ORGANIZATIONS = {
    "enterprise": (
        APPLICANT,
        True,
        {
            "kind": OrganizationKind.ENTERPRISE,
            "legal_name": "Công ty Cổ phần Công nghệ Số Kinh Bắc [mẫu]",
            "short_name": "KB Digital",
            "tax_code": "2300123454",
            "sector": Sector.SOFTWARE,
            "founded_year": 2015,
            "size_band": SizeBand.MEDIUM,
            "website": "https://kbdigital.example",
            "email": "lienhe@kbdigital.example",
            "phone": "0222 3812 345",
            "address": "Số 18 Lý Thái Tổ, phường Kinh Bắc, Bắc Ninh",
            "province": "bac-ninh",
            "description": (
                "Nền tảng dữ liệu, IoT và dịch vụ công số cho doanh nghiệp và cơ quan nhà "
                "nước tại các khu công nghiệp của tỉnh. [Nội dung mẫu]"
            ),
            "is_public": True,
        },
        None,
    ),
    "startup": (
        APPLICANT2,
        True,
        {
            "kind": OrganizationKind.STARTUP,
            "legal_name": "Công ty TNHH Nông nghiệp Xanh Thuận Thành [mẫu]",
            "short_name": "Xanh Agri",
            "tax_code": "2300456781",
            "sector": Sector.AGRICULTURE,
            "founded_year": 2023,
            "size_band": SizeBand.MICRO,
            "website": "https://xanhagri.example",
            "email": "hello@xanhagri.example",
            "phone": "0912 345 678",
            "address": "Xã Thuận Thành, Bắc Ninh",
            "province": "bac-ninh",
            "description": (
                "Cảm biến độ ẩm và ứng dụng truy xuất nguồn gốc cho hợp tác xã rau an toàn. "
                "[Nội dung mẫu]"
            ),
            "is_public": True,
        },
        {
            "stage": StartupStage.MVP,
            "founders": "Trần Thị Bình (CEO)\nHoàng Minh Đức (CTO)",
            "team_size": 7,
            "funding_raised_vnd": 1_200_000_000,
        },
    ),
    "university": (
        "lab@demo.example",
        True,
        {
            "kind": OrganizationKind.UNIVERSITY,
            "legal_name": "Phòng thí nghiệm Thiết kế Vi mạch, Trường Đại học Kỹ thuật [mẫu]",
            "short_name": "ICLab",
            "tax_code": "2300789011",
            "sector": Sector.ELECTRONICS,
            "founded_year": 2018,
            "size_band": SizeBand.SMALL,
            "website": "https://iclab.example",
            "province": "bac-ninh",
            "description": (
                "Đào tạo kỹ sư thiết kế và kiểm thử vi mạch; hợp tác với doanh nghiệp bán "
                "dẫn trong khu công nghiệp. [Nội dung mẫu]"
            ),
            "is_public": True,
        },
        None,
    ),
    "institute": (
        "institute@demo.example",
        True,
        {
            "kind": OrganizationKind.RESEARCH_INSTITUTE,
            "legal_name": "Viện Nghiên cứu Môi trường và Công nghệ Xanh [mẫu]",
            "short_name": "IGET",
            "tax_code": "2300987655",
            "sector": Sector.ENVIRONMENT,
            "founded_year": 2009,
            "size_band": SizeBand.MEDIUM,
            "website": "https://iget.example",
            "province": "ha-noi",
            "description": (
                "Quan trắc nước thải, khí thải và mô hình dự báo ô nhiễm cho khu công "
                "nghiệp. [Nội dung mẫu]"
            ),
            "is_public": True,
        },
        None,
    ),
    "school": (
        "school@demo.example",
        True,
        {
            "kind": OrganizationKind.SCHOOL,
            "legal_name": "Đội STEM Trường THPT Chuyên Bắc Ninh [mẫu]",
            "short_name": "STEM Chuyên BN",
            "tax_code": "2300543219",
            "sector": Sector.EDUCATION,
            "province": "bac-ninh",
            "description": (
                "Đội học sinh chế tạo robot phân loại rác và trạm đo chất lượng không khí. "
                "[Nội dung mẫu]"
            ),
            "is_public": True,
        },
        None,
    ),
    "other": (
        "coop@demo.example",
        True,
        {
            "kind": OrganizationKind.OTHER,
            "legal_name": "Hợp tác xã Làng nghề Gốm Phù Lãng [mẫu]",
            "short_name": "HTX Phù Lãng",
            "tax_code": "2300678907",
            "sector": Sector.TOURISM,
            "province": "bac-ninh",
            "description": "Gốm thủ công và du lịch trải nghiệm làng nghề. [Nội dung mẫu]",
            # Listed only when it chooses to be: this one has not.
            "is_public": False,
        },
        None,
    ),
}

# One pending invitation: applicant@'s firm invites applicant2@, who finds it on their
# dashboard (and, with the console e-mail backend, the e-mail is printed by seed_demo).
DEMO_INVITATION = ("enterprise", APPLICANT, APPLICANT2, MembershipRole.MEMBER)


@transaction.atomic
def seed_organizations(users: dict[str, User]) -> dict[str, Organization]:
    """Create what is missing; return the organisations by key."""
    people = dict(users)
    for email, full_name, language in DEMO_MEMBERS:
        people[email] = demo_user(email, full_name, language)
    manager = people[MANAGER]
    existing = Organization.objects.in_bulk(
        [fields["tax_code"] for _owner, _verified, fields, _profile in DEMO_ORGANIZATIONS.values()],
        field_name="tax_code",
    )
    organizations = {}
    for key, (owner, verified, fields, profile) in DEMO_ORGANIZATIONS.items():
        organization = existing.get(fields["tax_code"])
        if organization is None:
            organization = organization_create(actor=people[owner], data=fields)
            if profile is not None:
                startup_profile_update(actor=people[owner], organization=organization, data=profile)
            if verified:
                organization = organization_verify(
                    actor=manager,
                    organization=organization,
                    note="Demo: registration and tax code checked. [Sample]",
                )
        organizations[key] = organization

    key, inviter, invitee, role = DEMO_INVITATION
    organization = organizations[key]
    # Once only, whatever became of it (accepted, declined, expired).
    if not Invitation.objects.filter(organization=organization, email=invitee).exists():
        invitation_create(
            actor=people[inviter],
            organization=organization,
            email=invitee,
            role=role,
        )
    return organizations
