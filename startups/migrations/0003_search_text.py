from django.db import migrations, models

from portal.text import fold


def fill(apps, schema_editor):
    Organization = apps.get_model("startups", "Organization")
    organizations = list(Organization.objects.only("legal_name", "short_name", "description"))
    for organization in organizations:
        organization.search_text = fold(
            f"{organization.legal_name} {organization.short_name} {organization.description}"
        )
    Organization.objects.bulk_update(organizations, ["search_text"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("startups", "0002_organizations"),
    ]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
