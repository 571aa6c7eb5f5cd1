from django.db import migrations, models

from portal.text import fold


def fill(apps, schema_editor):
    """Fold every challenge's own text, and its live pages' titles and intros when the
    CMS's tables exist yet (on a new database they come later, with no pages in them)."""
    Challenge = apps.get_model("challenges", "Challenge")
    pages = {}
    try:
        ChallengePage = apps.get_model("cms", "ChallengePage")
    except LookupError:
        ChallengePage = None
    if ChallengePage is not None:
        rows = ChallengePage.objects.filter(live=True).order_by("path")
        for challenge_id, title, intro in rows.values_list("challenge_id", "title", "intro"):
            pages.setdefault(challenge_id, []).extend((title, intro))
    challenges = list(Challenge.objects.only("code", "title", "summary"))
    for challenge in challenges:
        challenge.search_text = fold(f"{challenge.code} {challenge.title} {challenge.summary}")
        challenge.pages_search_text = fold(" ".join(pages.get(challenge.pk, ())))
    Challenge.objects.bulk_update(
        challenges, ["search_text", "pages_search_text"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [
        ("challenges", "0003_proposal_reminders"),
    ]

    operations = [
        migrations.AddField(
            model_name="challenge",
            name="pages_search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="challenge",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
