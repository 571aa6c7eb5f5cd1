"""The choices organisations are described with. Identifiers are lower-case English
(they appear in the API); labels are translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    STARTUP = "startup", _("Startup")
    UNIVERSITY = "university", _("University or university lab")
    RESEARCH_INSTITUTE = "research_institute", _("Research institute")
    SCHOOL = "school", _("School team")
    OTHER = "other", _("Other organisation")


# Firms must be identifiable by their tax code (mã số thuế); schools, labs and
# institutes often act under a parent body's code, so theirs is optional.
KINDS_REQUIRING_TAX_CODE = (OrganizationKind.ENTERPRISE, OrganizationKind.STARTUP)


class Sector(models.TextChoices):
    """An organisation's main field of activity (not a challenge's theme)."""

    SOFTWARE = "software", _("Software and IT services")
    ELECTRONICS = "electronics", _("Electronics and semiconductors")
    TELECOM = "telecom", _("Telecommunications and 5G")
    AI_DATA = "ai_data", _("Artificial intelligence and data")
    ENVIRONMENT = "environment", _("Environment and clean technology")
    AGRICULTURE = "agriculture", _("Agriculture and food")
    TRANSPORT = "transport", _("Transport and logistics")
    MANUFACTURING = "manufacturing", _("Manufacturing and automation")
    HEALTH = "health", _("Health and biotechnology")
    EDUCATION = "education", _("Education and training")
    TOURISM = "tourism", _("Tourism, culture and heritage")
    COMMERCE = "commerce", _("Commerce and financial technology")
    PUBLIC_SERVICES = "public_services", _("Digital government and public services")
    OTHER = "other", _("Other")


class SizeBand(models.TextChoices):
    MICRO = "micro", _("1–9 people")
    SMALL = "small", _("10–49 people")
    MEDIUM = "medium", _("50–199 people")
    LARGE = "large", _("200 people or more")


class StartupStage(models.TextChoices):
    IDEA = "idea", _("Idea")
    PROTOTYPE = "prototype", _("Prototype")
    MVP = "mvp", _("Minimum viable product")
    REVENUE = "revenue", _("Revenue")
    SCALING = "scaling", _("Scaling up")


class MembershipRole(models.TextChoices):
    """Owners manage everything, members included; admins edit the profile and invite;
    members act for the organisation (drafts, proposals)."""

    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Administrator")
    MEMBER = "member", _("Member")


class InvitationStatus(models.TextChoices):
    """Derived from the dates, never stored."""

    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


# Vietnam's 34 provincial-level units since 1 July 2025 (Resolution 202/2025/QH15).
# Proper names: the same in every language.
PROVINCES = [
    ("an-giang", "An Giang"),
    ("bac-ninh", "Bắc Ninh"),
    ("ca-mau", "Cà Mau"),
    ("can-tho", "Cần Thơ"),
    ("cao-bang", "Cao Bằng"),
    ("da-nang", "Đà Nẵng"),
    ("dak-lak", "Đắk Lắk"),
    ("dien-bien", "Điện Biên"),
    ("dong-nai", "Đồng Nai"),
    ("dong-thap", "Đồng Tháp"),
    ("gia-lai", "Gia Lai"),
    ("ha-noi", "Hà Nội"),
    ("ha-tinh", "Hà Tĩnh"),
    ("hai-phong", "Hải Phòng"),
    ("ho-chi-minh", "Hồ Chí Minh"),
    ("hue", "Huế"),
    ("hung-yen", "Hưng Yên"),
    ("khanh-hoa", "Khánh Hòa"),
    ("lai-chau", "Lai Châu"),
    ("lam-dong", "Lâm Đồng"),
    ("lang-son", "Lạng Sơn"),
    ("lao-cai", "Lào Cai"),
    ("nghe-an", "Nghệ An"),
    ("ninh-binh", "Ninh Bình"),
    ("phu-tho", "Phú Thọ"),
    ("quang-ngai", "Quảng Ngãi"),
    ("quang-ninh", "Quảng Ninh"),
    ("quang-tri", "Quảng Trị"),
    ("son-la", "Sơn La"),
    ("tay-ninh", "Tây Ninh"),
    ("thai-nguyen", "Thái Nguyên"),
    ("thanh-hoa", "Thanh Hóa"),
    ("tuyen-quang", "Tuyên Quang"),
    ("vinh-long", "Vĩnh Long"),
]
