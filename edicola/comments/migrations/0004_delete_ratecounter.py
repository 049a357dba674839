# The rate-limit counters now live in core (core.RateCounter); counters are throwaway data, so
# the old table is dropped without copying its rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0003_subscriptions'),
        ('core', '0003_ratecounter'),
    ]

    operations = [
        migrations.DeleteModel(
            name='RateCounter',
        ),
    ]
