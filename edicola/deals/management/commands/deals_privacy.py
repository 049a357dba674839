"""`edicola deals_privacy export|erase --phone NUMBER --chat CHAT_ID`: a reader's deals data.

`export` prints everything stored about the reader as JSON (WhatsApp number and consent
record, Telegram chat, alerts, messages addressed to them); `erase` removes it (asks first unless
--yes) and prints what changed. Answer a request only once it is proven to come from the number
or chat (see edicola/deals/privacy.py).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from edicola.deals import privacy
from edicola.deals.services import DealError


class Command(BaseCommand):
    help = "Export or erase what the deals store about a WhatsApp number or Telegram chat."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("--phone", default="", help="WhatsApp number, e.g. +393331234567")
        parser.add_argument("--chat", default="", help="Telegram chat id")
        parser.add_argument("--yes", action="store_true", help="Erase without asking.")

    def handle(self, *args, action, phone, chat, yes, **options):
        if not phone and not chat:
            raise CommandError("Give --phone, --chat or both.")
        try:
            subject = privacy.find_subject(phone=phone, chat_id=chat or None)
        except DealError as error:
            raise CommandError(str(error)) from None
        if action == "export":
            self.stdout.write(json.dumps(privacy.export(subject), indent=2, ensure_ascii=False))
            return
        if subject.is_empty:
            self.stdout.write("Nothing stored.")
            return
        if not yes and input("Erase everything listed by `export`? [y/N] ").lower() != "y":
            raise CommandError("Nothing erased.")
        changed = privacy.erase(subject)
        self.stdout.write(json.dumps(changed))
