"""The queue of errors readers reported in passages, in the Wagtail admin ("Reported errors",
with the number still open)."""

from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .admin_views import ErrorQueueView, can_review
from .models import ErrorReport


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("passaggi/errori/", ErrorQueueView.as_view(), name="passages_error_queue")]


class ErrorsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_review(request.user)

    def render_component(self, request):
        component = super().render_component(request)
        count = ErrorReport.objects.filter(status=ErrorReport.Status.OPEN).count()
        if count:
            component.label = gettext("Reported errors (%(count)d)") % {"count": count}
        return component


@hooks.register("register_admin_menu_item")
def register_errors_menu_item():
    return ErrorsMenuItem(
        _("Reported errors"),
        reverse("passages_error_queue"),
        name="passage-errors",
        icon_name="warning",
        order=260,
    )
