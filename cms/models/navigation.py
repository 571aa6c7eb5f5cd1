"""Navigation menus (translatable snippets) and the site's contact details and social
links (a generic setting), edited in the admin without code."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.models import Orderable, TranslatableMixin


class MenuLocation(models.TextChoices):
    MAIN = "main", _("Main menu (page header)")
    FOOTER = "footer", _("Footer")


class Menu(TranslatableMixin, ClusterableModel):
    """The links of one place on every page, in one language. English has its own menu
    (Wagtail's "Translate" action copies the Vietnamese one); a language without a menu
    shows the default language's."""

    location = models.CharField(_("location"), max_length=16, choices=MenuLocation.choices)
    text = RichTextField(
        _("text"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Shown with the links. In the footer: the department's address and hours."),
    )

    panels = [FieldPanel("location"), FieldPanel("text"), InlinePanel("items", label=_("Link"))]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("menu")
        verbose_name_plural = _("menus")
        constraints = [
            models.UniqueConstraint(fields=["locale", "location"], name="menu_location_per_locale")
        ]

    def __str__(self):
        return f"{self.get_location_display()} ({self.locale.language_code})"


class MenuItem(Orderable):
    menu = ParentalKey(Menu, on_delete=models.CASCADE, related_name="items")
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    link_url = models.CharField(
        _("address"),
        max_length=500,
        blank=True,
        help_text=_("Instead of a page: a path such as /dashboard/ or a full web address."),
    )
    label = models.CharField(
        _("label"), max_length=80, blank=True, help_text=_("Defaults to the page's title.")
    )

    panels = [
        PageChooserPanel("link_page"),
        FieldPanel("link_url"),
        FieldPanel("label"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("link")
        verbose_name_plural = _("links")

    def clean(self):
        super().clean()
        if bool(self.link_page_id) == bool(self.link_url):
            raise ValidationError(_("Choose a page or type an address, not both."))
        if self.link_url and not self.label:
            raise ValidationError({"label": _("A link to an address needs a label.")})


@register_setting(icon="site")
class SiteSettings(BaseGenericSetting):
    """Contact details and social links shown in every page's footer: the same in both
    languages (what differs by language, such as the address, is in the footer menu)."""

    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=32, blank=True)
    facebook_url = models.URLField(_("Facebook page"), blank=True)
    youtube_url = models.URLField(_("YouTube channel"), blank=True)
    zalo_url = models.URLField(_("Zalo official account"), blank=True)
    linkedin_url = models.URLField(_("LinkedIn page"), blank=True)

    panels = [
        MultiFieldPanel([FieldPanel("contact_email"), FieldPanel("phone")], _("Contact")),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("youtube_url"),
                FieldPanel("zalo_url"),
                FieldPanel("linkedin_url"),
            ],
            _("Social media"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    def social_links(self) -> list[tuple[str, str]]:
        return [
            (name, url)
            for name, url in (
                ("Facebook", self.facebook_url),
                ("YouTube", self.youtube_url),
                ("Zalo", self.zalo_url),
                ("LinkedIn", self.linkedin_url),
            )
            if url
        ]
