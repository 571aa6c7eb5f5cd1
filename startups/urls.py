"""The applicant dashboard, under /dashboard/ (Vietnamese) and /en/dashboard/."""

from django.urls import path

from startups import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("organizations/new/", views.organization_create, name="organization_create"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/edit/", views.organization_edit, name="organization_edit"),
    path("organizations/<int:pk>/logo/", views.organization_logo, name="organization_logo"),
    path(
        "organizations/<int:pk>/logo/remove/",
        views.organization_logo_remove,
        name="organization_logo_remove",
    ),
    path("organizations/<int:pk>/startup/", views.startup_profile, name="startup_profile"),
    path("organizations/<int:pk>/pitch-deck/", views.pitch_deck, name="pitch_deck"),
    path(
        "organizations/<int:pk>/pitch-deck/upload/",
        views.pitch_deck_upload,
        name="pitch_deck_upload",
    ),
    path("organizations/<int:pk>/members/", views.members, name="members"),
    path(
        "organizations/<int:pk>/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "organizations/<int:pk>/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path("organizations/<int:pk>/leave/", views.leave, name="leave"),
    path("organizations/<int:pk>/invitations/", views.invite, name="invite"),
    path(
        "organizations/<int:pk>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<int:pk>/accept/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<int:pk>/decline/", views.invitation_decline, name="invitation_decline"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
