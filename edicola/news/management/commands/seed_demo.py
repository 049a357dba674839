"""`edicola seed_demo`: load the Lumio Italia demo site, warm its images, print the admin login.

Safe to run on every start (`make run` does): it only creates what is missing and keeps edits.
The site's pages come from edicola.news.demo; the other apps' demo content (deals, a long
discussion) from the seeders they registered with edicola.core.demo.
"""

import os
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from edicola.core.demo import seeders
from edicola.news import demo


class Command(BaseCommand):
    help = "Create the demo site (idempotent), pre-render its pages and show the admin login."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-warm",
            action="store_true",
            help="Skip rendering every page once to create the image renditions.",
        )
        parser.add_argument(
            "--comments",
            type=int,
            default=0,
            metavar="N",
            help="Also make the reference article's demo discussion N comments long.",
        )

    def handle(self, *args, no_warm: bool = False, comments: int = 0, **options):
        started = time.monotonic()
        report = demo.seed()
        for seeder in seeders():
            seeded = seeder.function(comments=comments)
            report.created.update(seeded.created)
            for line in seeded.notes:
                self.stdout.write(line)
        if report.created:
            made = ", ".join(f"{count} {kind}" for kind, count in sorted(report.created.items()))
            self.stdout.write(f"Demo content created: {made}.")
        else:
            self.stdout.write("Demo content already present; nothing to add.")
        self.stdout.write(self._summary())
        if not no_warm:
            warmed = demo.warm()
            self.stdout.write(f"Pre-rendered {warmed.pages} pages in {warmed.seconds:.1f} s.")
            for path, status in warmed.failures:
                self.stderr.write(f"Warning: {path} answered {status} while pre-rendering.")
        self.stdout.write(self._admin_line())
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")

    def _summary(self) -> str:
        from wagtail.images.models import Image

        from edicola.news.models import ArticlePage, AuthorPage, CategoryPage

        return (
            f"Site now has {ArticlePage.objects.published().count()} published articles, "
            f"{CategoryPage.objects.live().count()} categories, "
            f"{AuthorPage.objects.live().count()} authors, {Image.objects.count()} images."
        )

    def _admin_line(self) -> str:
        login = demo.ensure_admin()
        if os.environ.get("BASE_URL"):
            base_url = settings.BASE_URL
        else:
            base_url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        if login.password is None:
            return (
                f"Admin: {base_url}/admin/  user: {login.username}  (the user already existed and "
                f"{login.password_file} is missing, so its password was left unchanged; set a new "
                f"one with `edicola changepassword {login.username}`)"
            )
        return f"Admin: {base_url}/admin/  user: {login.username}  password: {login.password}"
