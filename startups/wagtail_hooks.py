"""Organisations in the Wagtail admin, for department staff.

Programme managers read, edit and verify; fund officers and auditors read (the model
permissions of `portal.roles`). Nobody adds or deletes an organisation here: applicants
create them, and every change made here goes through `startups.services`, so that it is
checked and audited like any other.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.utils import get_valid_next_url_from_request
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.log_actions import log
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from startups.models import Organization
from startups.selectors import organization_invitations, organization_memberships
from startups.services import ORGANIZATION_FIELDS, organization_staff_update, organization_verify

# What staff edit: the applicant's profile fields and the department's `verified`.
STAFF_FIELDS = (*ORGANIZATION_FIELDS, "verified")


class OrganizationPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, except that nobody, superusers included, adds or deletes an
    organisation in the admin."""

    def user_has_permission(self, user, action):
        if action in {"add", "delete"}:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission(set(actions) - {"add", "delete"})


class _VerifyLinkMixin:
    verify_url_name = None

    def get_verify_url(self, instance):
        if self.verify_url_name and self.user_has_permission("change"):
            return reverse(self.verify_url_name, args=(instance.pk,))
        return None


def _verify_label(organization) -> str:
    return _("Withdraw verification") if organization.verified else _("Verify")


class OrganizationIndexView(_VerifyLinkMixin, generic.IndexView):
    def get_base_queryset(self):
        # The member count is one aggregate in the listing's own query.
        return super().get_base_queryset().annotate(members_count=Count("memberships"))

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if url := self.get_verify_url(instance):
            buttons.append(
                MenuItem(_verify_label(instance), url=url, icon_name="tick", priority=15)
            )
        return buttons


class OrganizationEditView(_VerifyLinkMixin, generic.EditView):
    """Saves through `organization_staff_update`: only what changed is written, each
    change is audited, and a change to a checked fact withdraws the verification."""

    def save_instance(self):
        data = {name: self.form.cleaned_data[name] for name in STAFF_FIELDS}
        organization = organization_staff_update(
            actor=self.request.user, organization=self.object, data=data
        )
        if self.form.has_changed():
            # Wagtail's own history panel; the audit trail has the details.
            log(instance=organization, action="wagtail.edit", user=self.request.user)
        return organization

    def form_valid(self, form):
        self.form = form
        try:
            with transaction.atomic():
                self.object = self.save_instance()
        except ValidationError as error:
            # Rules the service holds beyond the form's own checks (a tax code a firm
            # must give, one registered meanwhile): shown on the form, nothing saved.
            for field, messages_ in _error_dict(error).items():
                form.add_error(field if field in form.fields else None, messages_)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)
        response = self.save_action()
        hook_response = self.run_after_hook()
        return hook_response if hook_response is not None else response

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if url := self.get_verify_url(self.object):
            buttons.append(Button(_verify_label(self.object), url=url, icon_name="tick"))
        return buttons


def _error_dict(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {
            (None if name == NON_FIELD_ERRORS else name): errors
            for name, errors in error.message_dict.items()
        }
    return {None: error.messages}


class OrganizationInspectView(_VerifyLinkMixin, generic.InspectView):
    template_name = "startups/admin/organization_inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(
            Organization.objects.select_related("startup_profile", "verified_by"), pk=self.pk
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        organization = self.object
        context["memberships"] = organization_memberships(organization=organization)
        context["invitations"] = organization_invitations(organization=organization, open_only=True)
        profile = getattr(organization, "startup_profile", None)
        context["profile"] = profile
        if profile is not None:
            # Whole đồng with the reader's thousands separator.
            context["funding"] = numberformat.format(
                profile.funding_raised_vnd,
                get_format("DECIMAL_SEPARATOR"),
                grouping=3,
                thousand_sep=get_format("THOUSAND_SEPARATOR"),
                force_grouping=True,
            )
        context["verify_url"] = self.get_verify_url(organization)
        context["verify_label"] = _verify_label(organization)
        return context

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if url := self.get_verify_url(self.object):
            buttons.append(Button(_verify_label(self.object), url=url, icon_name="tick"))
        return buttons


class OrganizationVerifyView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Confirm (GET), then verify or withdraw the verification (POST). The POST names
    the state wanted, so a second click changes nothing."""

    model = Organization
    permission_required = "change"
    template_name = "startups/admin/organization_verify.html"
    header_icon = "tick"
    index_url_name = None
    inspect_url_name = None
    verify_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = get_object_or_404(Organization, pk=kwargs["pk"])

    def get_page_title(self):
        return _verify_label(self.object)

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(self.index_url_name), "label": _("Organisations")},
            {
                "url": reverse(self.inspect_url_name, args=(self.object.pk,)),
                "label": str(self.object),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_success_url(self):
        return get_valid_next_url_from_request(self.request) or reverse(
            self.inspect_url_name, args=(self.object.pk,)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            action_url=reverse(self.verify_url_name, args=(self.object.pk,)),
            cancel_url=self.get_success_url(),
            next_url=get_valid_next_url_from_request(self.request),
            verified_wanted="0" if self.object.verified else "1",
        )
        return context

    def post(self, request, *args, **kwargs):
        wanted = request.POST.get("verified")
        if wanted not in {"0", "1"}:
            messages.error(request, _("Choose to verify or to withdraw the verification."))
            return redirect(self.get_success_url())
        organization = organization_verify(
            actor=request.user,
            organization=self.object,
            verified=wanted == "1",
            note=request.POST.get("note", "").strip()[:500],
        )
        if organization.verified:
            message = _("'%(name)s' is verified.")
        else:
            message = _("'%(name)s' is no longer verified.")
        messages.success(request, message % {"name": organization})
        return redirect(self.get_success_url())


class OrganizationViewSet(ModelViewSet):
    model = Organization
    icon = "group"
    menu_label = gettext_lazy("Organisations")
    menu_order = 250
    add_to_admin_menu = True

    index_view_class = OrganizationIndexView
    edit_view_class = OrganizationEditView
    inspect_view_class = OrganizationInspectView
    inspect_view_enabled = True
    copy_view_enabled = False

    list_display = [
        "legal_name",
        "kind",
        "tax_code",
        "sector",
        "province",
        BooleanColumn("verified", label=gettext_lazy("Verified"), sort_key="verified"),
        BooleanColumn("is_public", label=gettext_lazy("In the directory"), sort_key="is_public"),
        Column("members_count", label=gettext_lazy("Members"), sort_key="members_count"),
    ]
    list_filter = ["kind", "sector", "province", "verified", "is_public"]
    list_per_page = 50
    ordering = "legal_name"
    search_fields = ["legal_name", "short_name", "tax_code"]
    search_backend_name = None  # plain database lookups
    inspect_view_fields = [
        "kind",
        "legal_name",
        "short_name",
        "tax_code",
        "sector",
        "founded_year",
        "size_band",
        "province",
        "address",
        "website",
        "email",
        "phone",
        "description",
        "is_public",
        "verified",
        "verified_at",
        "verified_by",
        "created_at",
        "updated_at",
    ]
    panels = [
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("kind"), FieldPanel("tax_code")]),
                FieldPanel("legal_name"),
                FieldPanel("short_name"),
            ],
            heading=gettext_lazy("Identity"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("sector"), FieldPanel("province")]),
                FieldRowPanel([FieldPanel("founded_year"), FieldPanel("size_band")]),
                FieldPanel("website"),
                FieldPanel("description"),
            ],
            heading=gettext_lazy("Profile"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("email"), FieldPanel("phone")]),
                FieldPanel("address"),
            ],
            heading=gettext_lazy("Contact (seen by the department only)"),
        ),
        MultiFieldPanel(
            [FieldPanel("is_public"), FieldPanel("verified")],
            heading=gettext_lazy("Directory and verification"),
        ),
    ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(verify_url_name=self.get_url_name("verify"), **kwargs)

    @property
    def verify_view(self):
        return self.construct_view(OrganizationVerifyView)

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("verify/<int:pk>/", self.verify_view, name="verify"),
        ]


register_permission_policy(Organization, OrganizationPermissionPolicy(Organization))


@hooks.register("register_admin_viewset")
def register_organization_viewset():
    return OrganizationViewSet("organizations")
