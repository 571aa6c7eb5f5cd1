"""Demo users, one per role. Used only by `manage.py seed_demo`."""

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group

from portal.models import User
from portal.roles import Role

# (e-mail, full name, role or None for an applicant, preferred language)
DEMO_USERS = [
    ("applicant@demo.example", "Nguyễn Văn An", None, "vi"),
    ("applicant2@demo.example", "Trần Thị Bình", None, "en"),
    ("juror@demo.example", "Lê Minh Châu", Role.JUROR, "vi"),
    ("juror2@demo.example", "Phạm Quốc Dũng", Role.JUROR, "vi"),
    ("manager@demo.example", "Hoàng Thu Hà", Role.PROGRAMME_MANAGER, "vi"),
    ("officer@demo.example", "Vũ Đức Khánh", Role.FUND_OFFICER, "vi"),
    ("approver@demo.example", "Đặng Thị Lan", Role.FINANCE_APPROVER, "vi"),
    ("auditor@demo.example", "Bùi Văn Minh", Role.AUDITOR, "en"),
]

DEMO_SUPERUSER = "admin@demo.example"


def seed_users() -> dict[str, User]:
    users = {}
    for email, full_name, role, language in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            email=email,
            defaults={
                "full_name": full_name,
                "preferred_language": language,
                "is_active": True,
                # Staff roles work in the Wagtail admin; applicants and jurors do not.
                "is_staff": False,
            },
        )
        _ensure_password(user)
        _ensure_verified_email(user)
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        users[email] = user
    admin, _ = User.objects.update_or_create(
        email=DEMO_SUPERUSER,
        defaults={"full_name": "Quản trị hệ thống", "is_staff": True, "is_superuser": True},
    )
    _ensure_password(admin)
    _ensure_verified_email(admin)
    users[DEMO_SUPERUSER] = admin
    return users


def _ensure_verified_email(user: User) -> None:
    # Demo people have verified addresses (allauth's EmailAddress), so they may submit.
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": True}
    )


def _ensure_password(user: User) -> None:
    # Unchanged passwords are left alone, so a second run writes nothing new.
    if not user.check_password(settings.DEMO_PASSWORD):
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])


def demo_user(email: str, full_name: str, language: str = "vi") -> User:
    """One more demo person (e.g. a member of a demo organisation), made as the demo
    users are: DEMO_PASSWORD, a verified address. Idempotent."""
    user, _ = User.objects.update_or_create(
        email=email,
        defaults={"full_name": full_name, "preferred_language": language, "is_active": True},
    )
    _ensure_password(user)
    _ensure_verified_email(user)
    return user
