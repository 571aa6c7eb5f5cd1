"""Wagtail's user admin, adapted to one full name instead of first and last names."""

from django import forms
from django.contrib.auth import get_user_model
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
