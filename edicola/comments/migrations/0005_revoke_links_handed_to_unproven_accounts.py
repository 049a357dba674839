# "Le mie iscrizioni" handed any logged-in account the manage link of its address's subscriber,
# and linked the two, without the account ever proving the address. Every subscriber linked to
# an account that is not staff may have had its link handed to a stranger: unlink it (the
# account is linked again once it confirms its address) and rotate its key, which voids every
# link issued for it. Subscribers never linked to an account keep their links; so do those of
# staff accounts, whose addresses count as proven.

import secrets

from django.conf import settings
from django.db import migrations


def revoke(apps, schema_editor):
    Subscriber = apps.get_model("comments", "Subscriber")
    linked = Subscriber.objects.filter(user__isnull=False).exclude(user__is_staff=True)
    linked = linked.exclude(user__is_superuser=True)
    for subscriber in linked.only("pk").iterator():
        Subscriber.objects.filter(pk=subscriber.pk).update(user=None, key=secrets.token_hex(16))


class Migration(migrations.Migration):

    dependencies = [
        ("comments", "0004_delete_ratecounter"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(revoke, migrations.RunPython.noop)]
