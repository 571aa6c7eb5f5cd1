# The app's first migration: funds, calls, applications and awards follow in
# later issues; this anchors their migration history now.
from django.db import migrations


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = []
