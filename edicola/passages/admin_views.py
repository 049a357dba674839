"""The error-report queue in the Wagtail admin: reports by status, and fixing or rejecting one
(with an optional public correction note). Open to users who may edit pages."""

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import services
from .models import ErrorReport

PERMISSION = "wagtailadmin.access_admin"


def can_review(user) -> bool:
    return bool(user and user.is_active and user.has_perm(PERMISSION))


class ReviewerRequiredMixin(AccessMixin):
    def dispatch(self, request, *args, **kwargs):
        if not can_review(request.user):
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class ErrorQueueView(ReviewerRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "passages/admin/queue.html"
    header_icon = "warning"
    page_title = _("Reported errors")

    def post(self, request, *args, **kwargs):
        report = get_object_or_404(ErrorReport, pk=request.POST.get("report") or 0)
        status = request.POST.get("status", "")
        try:
            services.resolve_error(
                report, status, actor=request.user, correction=request.POST.get("correction", "")
            )
        except services.PassageError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Report updated."))
        return redirect(f"{request.path}?stato={request.GET.get('stato', 'open')}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("stato", ErrorReport.Status.OPEN)
        reports = ErrorReport.objects.select_related("article", "resolved_by")
        if status in ErrorReport.Status.values:
            reports = reports.filter(status=status)
        else:
            status = ""
        page = Paginator(reports, 50).get_page(self.request.GET.get("p"))
        context.update(
            page_obj=page,
            status=status,
            statuses=ErrorReport.Status.choices,
            counts=services.open_report_counts(),
        )
        return context
