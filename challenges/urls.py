"""Proposals in the applicant dashboard, under /dashboard/proposals/ (namespace
"dashboard", with the organisations' pages: see portal/urls.py)."""

from django.urls import path

from challenges import views

urlpatterns = [
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/delete/", views.proposal_delete, name="proposal_delete"),
    path("proposals/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_id>/",
        views.attachment_file,
        name="attachment_file",
    ),
    path(
        "proposals/<int:pk>/attachments/<int:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("proposals/<int:pk>/submit/", views.proposal_submit, name="proposal_submit"),
    path("proposals/<int:pk>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"),
    path("proposals/<int:pk>/receipt/", views.proposal_receipt, name="proposal_receipt"),
    path(
        "proposals/<int:pk>/receipt.json",
        views.proposal_receipt_file,
        name="proposal_receipt_file",
    ),
]
