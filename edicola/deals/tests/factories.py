"""Small builders shared by the deals tests: subscribers, a published deal, a signed webhook
call, a free loopback port."""

import socket

from django.utils import timezone

from edicola.deals import services
from edicola.deals.models import WhatsAppSubscriber


def whatsapp_subscribers(n, status="confirmed"):
    now = timezone.now()
    WhatsAppSubscriber.objects.bulk_create(
        (
            WhatsAppSubscriber(
                phone=f"+39320{i:07d}", status=status, consent_version="v", consent_at=now
            )
            for i in range(n)
        ),
        batch_size=1000,
    )


def publish(deal):
    services.deal_saved(deal, "draft")
    deal.refresh_from_db()
    return deal


def signed_whatsapp_post(client, fake, body: bytes, signature=None):
    return client.post(
        "/hooks/whatsapp/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature or fake.sign(body),
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
