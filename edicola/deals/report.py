"""The deals report in the admin: clicks per deal per day and channel, top deals, channel
conversion, delivery states per broadcast. Server-rendered tables with CSS bars."""

from collections import Counter
from datetime import timedelta

from django.db.models import Count
from django.shortcuts import render
from django.utils import timezone

from edicola.deals.models import Click, Deal, OutboxMessage


def report_data(days: int = 14) -> dict:
    since = timezone.localdate() - timedelta(days=days - 1)
    clicks = Click.objects.filter(day__gte=since)
    by_day = list(
        clicks.values("deal_id", "deal__title", "day", "channel")
        .annotate(n=Count("pk"))
        .order_by("-day", "deal__title", "channel")
    )
    peak = max((row["n"] for row in by_day), default=1)
    for row in by_day:
        row["width"] = round(100 * row["n"] / peak)
    top = list(
        Deal.objects.filter(clicks__day__gte=since)
        .annotate(n=Count("clicks"))
        .order_by("-n", "pk")[:10]
    )
    sent = dict(
        OutboxMessage.objects.filter(state="sent", deal__isnull=False)
        .values_list("channel")
        .annotate(n=Count("pk"))
        .values_list("channel", "n")
    )
    channel_clicks = dict(
        clicks.values_list("channel").annotate(n=Count("pk")).values_list("channel", "n")
    )
    conversion = []
    for channel, label in Click.Channel.choices:
        delivered = {
            "site": None,
            "telegram": sent.get("tg_channel", 0) + sent.get("tg_chat", 0),
            "whatsapp": sent.get("whatsapp", 0),
        }[channel]
        count = channel_clicks.get(channel, 0)
        rate = round(100 * count / delivered, 1) if delivered else None
        conversion.append({"channel": label, "clicks": count, "sent": delivered, "rate": rate})
    deliveries = {}
    for row in (
        OutboxMessage.objects.filter(deal__isnull=False)
        .values("deal_id", "deal__title", "channel", "state", "delivery_status")
        .annotate(n=Count("pk"))
        .order_by("-deal_id", "channel")
    ):
        key = (row["deal_id"], row["channel"])
        entry = deliveries.setdefault(
            key,
            {
                "deal_id": row["deal_id"],
                "title": row["deal__title"],
                "channel": row["channel"],
                "states": Counter(),
            },
        )
        entry["states"][row["state"]] += row["n"]
        # What WhatsApp's status webhooks reported: read implies delivered.
        if row["delivery_status"] in ("delivered", "read"):
            entry["states"]["delivered"] += row["n"]
        if row["delivery_status"] == "read":
            entry["states"]["read"] += row["n"]
    states = [*OutboxMessage.State.values, "delivered", "read"]
    broadcasts = [
        {**entry, "cells": [entry["states"].get(state, 0) for state in states]}
        for entry in list(deliveries.values())[:50]
    ]
    return {
        "days": days,
        "by_day": by_day,
        "top": top,
        "conversion": conversion,
        "states": states,
        "broadcasts": broadcasts,
    }


def report_view(request):
    return render(request, "deals/admin_report.html", report_data())
