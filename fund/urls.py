"""The fund's dashboard pages (namespace "dashboard", see portal/urls.py)."""

from fund.views.applicant import urlpatterns as applicant_pages
from fund.views.staff import urlpatterns as office_pages

urlpatterns = applicant_pages + office_pages
