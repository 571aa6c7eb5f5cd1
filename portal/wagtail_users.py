"""Wagtail's user admin, adapted to one full name instead of first and last names, and
showing role groups by their translated labels ("Programme managers", "Quản lý chương
trình") rather than their identifiers (`programme_managers`)."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Q
from django.forms import CheckboxSelectMultiple
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelMultipleChoiceField as FilterModelMultipleChoiceField
from wagtail.admin.ui.tables import TitleColumn
from wagtail.users.forms import GroupForm, UserCreationForm, UserEditForm
from wagtail.users.views import groups as wagtail_groups
from wagtail.users.views.users import GroupFilter, UserFilterSet
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from portal.roles import Role, role_label


class _FullNameFields(forms.ModelForm):
    first_name = None
    last_name = None
    full_name = forms.CharField(required=True, max_length=150, label=_("Full name"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "groups" in self.fields:
            self.fields["groups"].label_from_instance = role_label


class PortalUserCreationForm(_FullNameFields, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ["email", "full_name", "preferred_language", "is_superuser", "groups"]


class PortalUserEditForm(_FullNameFields, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = ["email", "full_name", "preferred_language", "is_active", "is_superuser", "groups"]


class _RoleGroupChoiceField(FilterModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return role_label(obj)


class _RoleGroupFilter(GroupFilter):
    field_class = _RoleGroupChoiceField


class PortalUserFilterSet(UserFilterSet):
    """The user listing's group filter (its choices and its active-filter chips) by role
    label."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wagtail_filter = self.filters["group"]
        self.filters["group"] = _RoleGroupFilter(
            field_name="groups",
            queryset=Group.objects.all(),
            label=wagtail_filter.label,
            use_subquery=wagtail_filter.use_subquery,
            widget=CheckboxSelectMultiple,
        )


class UserViewSet(WagtailUserViewSet):
    filterset_class = PortalUserFilterSet

    def get_form_class(self, for_update=False):
        return PortalUserEditForm if for_update else PortalUserCreationForm


# Groups


class PortalGroupForm(GroupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.name in Role.values:
            # The portal finds a role's group by this name (portal.roles): renaming it
            # would take the role's permissions away from its members.
            name = self.fields["name"]
            name.disabled = True
            name.help_text = _("The group of the role “%(role)s”; its name cannot change.") % {
                "role": role_label(self.instance)
            }


class GroupIndexView(wagtail_groups.IndexView):
    columns = [
        TitleColumn(
            "name",
            label=_("Name"),
            accessor=role_label,
            sort_key="name",
            url_name="wagtailusers_groups:edit",
        ),
    ]

    def search_queryset(self, queryset):
        # Role groups are found by their label in the reader's language too.
        if not self.search_query:
            return queryset
        words = self.search_query.lower()
        roles = [role.value for role in Role if words in str(role.label).lower()]
        return queryset.filter(Q(name__icontains=self.search_query) | Q(name__in=roles))


class GroupEditView(wagtail_groups.EditView):
    def get_page_subtitle(self):
        return role_label(self.object)

    def get_success_message(self):
        # Wagtail's own message, with the role's label for the group's name.
        return self.success_message % {"object": role_label(self.object)}


class GroupDeleteView(wagtail_groups.DeleteView):
    def get_page_subtitle(self):
        return role_label(self.object)


class GroupViewSet(wagtail_groups.GroupViewSet):
    index_view_class = GroupIndexView
    edit_view_class = GroupEditView
    delete_view_class = GroupDeleteView

    def get_form_class(self, for_update=False):
        return PortalGroupForm


class PortalNameEmailForm(forms.ModelForm):
    """The admin's own "Name and e-mail" account panel, with the one full name."""

    full_name = forms.CharField(required=True, max_length=150, label=_("Full name"))
    email = forms.EmailField(required=True, label=_("E-mail"))

    class Meta:
        model = get_user_model()
        fields = ["full_name", "email"]

    def __init__(self, *args, **kwargs):
        from wagtail.admin.views.account import email_management_enabled

        super().__init__(*args, **kwargs)
        if not email_management_enabled():
            del self.fields["email"]
