"""WSGI entry point used by `edicola serve`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edicola.settings")
application = get_wsgi_application()
