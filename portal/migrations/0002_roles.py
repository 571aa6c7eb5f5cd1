from django.db import migrations

# Frozen copy of portal.roles.Role values: migrations must not import app code that
# may change later.
ROLE_GROUPS = [
    "programme_managers",
    "jurors",
    "fund_officers",
    "finance_approvers",
    "auditors",
]


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
