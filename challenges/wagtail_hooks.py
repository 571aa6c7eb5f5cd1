from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.widgets import Button
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from challenges.admin_views import ProposalPermissionPolicy, ProposalViewSet
from challenges.forms import ChallengeForm
from challenges.judging.admin_views import JudgingViewSetGroup, may_manage_judging, round_url
from challenges.models import Challenge, Proposal


class ChallengeViewSet(SnippetViewSet):
    model = Challenge
    icon = "crosshairs"
    menu_label = _("Challenges")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["code", "title", "kind", "sector", "opens_at", "closes_at", "is_published"]
    list_filter = ["kind", "sector", "is_published"]
    search_fields = ["code", "title"]
    search_backend_name = None  # plain database lookups; challenges are few
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("code"), FieldPanel("kind"), FieldPanel("sector")]),
            FieldPanel("title"),
            FieldPanel("summary"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                    # Set by publishing the results (judging), which also moves the
                    # proposals and tells the applicants: never typed in.
                    FieldPanel("results_published_at", read_only=True),
                ],
                heading=_("Dates (Vietnam time)"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("eligible_kinds"),
                    FieldPanel("requires_verified_organization"),
                    FieldRowPanel(
                        [
                            FieldPanel("max_proposals_per_organization"),
                            FieldPanel("budget_ceiling_vnd"),
                            FieldPanel("submission_language"),
                        ]
                    ),
                ],
                heading=_("Who may submit, and what"),
            ),
            InlinePanel("tracks", heading=_("Tracks"), label=_("Track")),
            FieldPanel("blind_review"),
            FieldPanel("support_offered"),
            FieldPanel("contact_email"),
            FieldPanel("is_published"),
        ],
        base_form_class=ChallengeForm,
    )


register_snippet(ChallengeViewSet)


register_permission_policy(Proposal, ProposalPermissionPolicy(Proposal))


@hooks.register("register_admin_viewset")
def register_proposal_viewset():
    return ProposalViewSet("proposals")


# Judging: rounds, rubrics and jurors under one menu; each round's judging page.
register_snippet(JudgingViewSetGroup)


@hooks.register("register_snippet_listing_buttons")
def challenge_judging_button(snippet, user, next_url=None):
    """A challenge's row in the listing links to its judging rounds."""
    if isinstance(snippet, Challenge) and may_manage_judging(user):
        yield Button(
            _("Judging rounds"),
            url=f"{round_url('list')}?{urlencode({'challenge': snippet.pk})}",
            icon_name="tasks",
            priority=40,
        )
