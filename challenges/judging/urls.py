"""The juror's workspace, under /dashboard/reviews/ (namespace "dashboard", with the
organisations' and proposals' pages: see portal/urls.py)."""

from django.urls import path

from challenges.judging import views

urlpatterns = [
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_sheet, name="review"),
    path("reviews/<int:pk>/save/", views.review_save, name="review_save"),
    path("reviews/<int:pk>/submit/", views.review_submit, name="review_submit"),
    path("reviews/<int:pk>/conflict/", views.review_conflict, name="review_conflict"),
    path(
        "reviews/<int:pk>/documents/<int:attachment_id>/",
        views.review_document,
        name="review_document",
    ),
]
