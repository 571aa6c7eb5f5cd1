"""Wagtail's user admin, adapted to one full name instead of first and last names."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet


class _FullNameFields(forms.ModelForm):
    first_name = None
    last_name = None
    full_name = forms.CharField(required=True, max_length=150, label=_("Full name"))


class PortalUserCreationForm(_FullNameFields, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ["email", "full_name", "preferred_language", "is_superuser", "groups"]


class PortalUserEditForm(_FullNameFields, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = ["email", "full_name", "preferred_language", "is_active", "is_superuser", "groups"]


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return PortalUserEditForm if for_update else PortalUserCreationForm
