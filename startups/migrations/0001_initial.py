# The app's first migration: organisations, memberships and invitations follow in
# later issues; this anchors their migration history now.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
