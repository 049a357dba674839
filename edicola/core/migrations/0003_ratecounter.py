# The rate-limit counters move from comments to core (edicola.core.ratelimit owns them).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_outgoingmail'),
    ]

    operations = [
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('key', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('count', models.PositiveIntegerField(default=0)),
                ('expires_at', models.DateTimeField(db_index=True)),
            ],
        ),
    ]
