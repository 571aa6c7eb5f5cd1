"""Replace Wagtail's placeholder page with the portal's home page, in Vietnamese, and
create the content locales (Vietnamese first, English second)."""

import uuid

from django.db import migrations

LOCALES = ["vi", "en"]


def create_homepage(apps, schema_editor):
    ContentType = apps.get_model("contenttypes.ContentType")
    Locale = apps.get_model("wagtailcore.Locale")
    Page = apps.get_model("wagtailcore.Page")
    Site = apps.get_model("wagtailcore.Site")
    HomePage = apps.get_model("cms.HomePage")

    locales = {code: Locale.objects.get_or_create(language_code=code)[0] for code in LOCALES}

    # Wagtail's placeholder "Welcome" page (its Site goes with it).
    page_type = ContentType.objects.get(model="page", app_label="wagtailcore")
    Page.objects.filter(content_type=page_type, slug="home", depth=2).delete()

    home_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    home = HomePage.objects.create(
        title="Cổng đổi mới sáng tạo mở",
        draft_title="Cổng đổi mới sáng tạo mở",
        slug="home",
        content_type=home_type,
        path="00010001",
        depth=2,
        numchild=0,
        url_path="/home/",
        locale=locales["vi"],
        translation_key=uuid.uuid4(),
        live=True,
    )
    Site.objects.create(
        hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=""
    )


def remove_homepage(apps, schema_editor):
    apps.get_model("cms.HomePage").objects.filter(slug="home", depth=2).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_homepage, remove_homepage)]
