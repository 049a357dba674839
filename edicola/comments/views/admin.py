"""The moderation queue in Wagtail's admin: list, filter and search comments, act on them one by
one or in bulk, pin, close a discussion.

Views only parse input and call the services (moderate, set_pinned, set_closed, reply_as_staff),
which apply the rules and write the ModerationLog. Every view needs the moderation permission
(readers.is_moderator). The pages about one comment, an article's discussion, a commenter's
history and the log are in `views.admin_pages`, on the helpers shared here (permission, paging,
report counts).
"""

from __future__ import annotations

import django_filters
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseForbidden, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.widgets import BooleanRadioSelect

from edicola.news.models import ArticlePage

from .. import moderation, services
from ..models import Comment, ModerationLog, Report
from ..readers import is_moderator

# Actions a moderator may apply to a set of comments; moderation.py knows what each one means.
STATUS_ACTIONS = moderation.ACTION_STATUS
MAX_BULK = 500
PAGE_SIZE = 50
REVIEW = "review"


def _result_message(action: str, count: int) -> str:
    messages_by_action = {
        ModerationLog.Action.APPROVE: ngettext(
            "%(count)d comment approved.", "%(count)d comments approved.", count
        ),
        ModerationLog.Action.SPAM: ngettext(
            "%(count)d comment marked as spam.", "%(count)d comments marked as spam.", count
        ),
        ModerationLog.Action.REMOVE: ngettext(
            "%(count)d comment removed.", "%(count)d comments removed.", count
        ),
        ModerationLog.Action.PENDING: ngettext(
            "%(count)d comment sent back to review.",
            "%(count)d comments sent back to review.",
            count,
        ),
    }
    return messages_by_action[action] % {"count": count}


class ModeratorRequiredMixin:
    """Only moderators get in; everyone else gets 403 (Wagtail already demands admin access).

    A plain 403 response, not PermissionDenied: Wagtail's admin would turn that into a redirect.
    """

    def dispatch(self, request, *args, **kwargs):
        if not is_moderator(request.user):
            return HttpResponseForbidden(
                gettext("You do not have permission to moderate comments."),
                content_type="text/plain; charset=utf-8",
            )
        return super().dispatch(request, *args, **kwargs)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def queue_url() -> str:
    return reverse("comments_admin:queue")


def annotate_reports(comments) -> None:
    """Attach to each comment of a page, in two queries: `report_reasons` [(label, count)],
    `needs_review` (moderation.awaiting_review(), the one rule) and `row_actions` (the buttons
    that apply)."""
    ids = [comment.pk for comment in comments]
    reasons: dict[int, list] = {pk: [] for pk in ids}
    labels = dict(Report.Reason.choices)
    rows = (
        Report.objects.filter(comment_id__in=ids)
        .values("comment_id", "reason")
        .annotate(n=Count("pk"))
        .order_by("comment_id", "-n", "reason")
    )
    for row in rows:
        reasons[row["comment_id"]].append((labels.get(row["reason"], row["reason"]), row["n"]))
    awaiting = set(moderation.awaiting_review().filter(pk__in=ids).values_list("pk", flat=True))
    for comment in comments:
        comment.report_reasons = reasons.get(comment.pk, [])
        comment.needs_review = comment.pk in awaiting
        comment.row_actions = [
            (action, label, classes)
            for action, label, classes in row_actions()
            if STATUS_ACTIONS[action] != comment.status
            or (action == ModerationLog.Action.APPROVE and comment.needs_review)
        ]


def page_of(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("p"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number))
    return page


def _articles_with_comments(request):
    return ArticlePage.objects.filter(
        pk__in=Comment.objects.values("article_id").distinct()
    ).order_by("title")


class CommentFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(REVIEW, _("Awaiting review")), *Comment.Status.choices],
        method="filter_status",
        empty_label=_("All"),
    )
    article = django_filters.ModelChoiceFilter(label=_("Article"), queryset=_articles_with_comments)
    email = django_filters.CharFilter(label=_("Author e-mail"), method="filter_email")
    network = django_filters.CharFilter(label=_("Network"), field_name="ip_network")
    reported = django_filters.BooleanFilter(
        label=_("Reported by readers"), method="filter_reported", widget=BooleanRadioSelect
    )

    class Meta:
        model = Comment
        fields = []

    def filter_status(self, queryset, name, value):
        if value == REVIEW:
            return queryset.filter(pk__in=moderation.awaiting_review().values("pk"))
        return queryset.filter(status=value)

    def filter_email(self, queryset, name, value):
        return queryset.by_email(value) if value.strip() else queryset

    def filter_reported(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(report_count__gt=0) if value else queryset.filter(report_count=0)


class QueueView(ModeratorRequiredMixin, BaseListingView):
    """All comments, newest first, with filters, search and bulk actions."""

    template_name = "comments/admin/queue.html"
    results_template_name = "comments/admin/queue_results.html"
    page_title = _("Comments")
    header_icon = "comment"
    index_url_name = "comments_admin:queue"
    index_results_url_name = "comments_admin:queue_results"
    filterset_class = CommentFilterSet
    is_searchable = True
    search_fields = ["body", "author_name", "author_email"]
    search_backend_name = None
    paginate_by = PAGE_SIZE
    verbose_name = _("comment")
    verbose_name_plural = _("comments")

    def get_base_queryset(self):
        return Comment.objects.select_related("article", "user", "parent").order_by(
            "-created_at", "-pk"
        )

    def filter_queryset(self, queryset):
        if self.filters and not self.filters.is_valid():
            # An unknown article or a forged status shows nothing rather than everything.
            return queryset.none()
        return super().filter_queryset(queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        annotate_reports(context["object_list"])
        query = self.request.GET.copy()
        for key in ("_w_filter_fragment", "p"):
            query.pop(key, None)
        page = self.request.GET.get(self.page_kwarg)
        if page:
            query[self.page_kwarg] = page
        context["next_url"] = self.index_url + (f"?{query.urlencode()}" if query else "")
        context["filter_errors"] = (
            [error for errors in self.filters.errors.values() for error in errors]
            if self.filters and not self.filters.is_valid()
            else []
        )
        context["status_actions"] = row_actions()
        context["review_count"] = moderation.review_count()
        return context


class QueueResultsView(QueueView):
    results_only = True


def row_actions():
    return [
        (ModerationLog.Action.APPROVE, _("Approve"), "button-secondary"),
        (ModerationLog.Action.SPAM, _("Spam"), "button-secondary no"),
        (ModerationLog.Action.REMOVE, _("Remove"), "button-secondary no"),
        (ModerationLog.Action.PENDING, _("Send back to review"), "button-secondary"),
    ]


class PostOnlyView(ModeratorRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["POST"])


class BulkModerateView(PostOnlyView):
    """Approve, mark as spam, remove or send back to review the selected comments."""

    def post(self, request):
        back = _safe_next(request, queue_url())
        action = request.POST.get("action", "")
        if action not in STATUS_ACTIONS:
            messages.error(request, _("Unknown moderation action."))
            return redirect(back)
        raw_ids = request.POST.getlist("ids")
        if not raw_ids:
            messages.error(request, _("Select at least one comment."))
            return redirect(back)
        if len(raw_ids) > MAX_BULK:
            messages.error(
                request,
                _("Select at most %(max)d comments at a time.") % {"max": MAX_BULK},
            )
            return redirect(back)
        try:
            ids = {int(value) for value in raw_ids}
        except ValueError:
            messages.error(request, _("The selection is not valid."))
            return redirect(back)
        comments = Comment.objects.filter(pk__in=ids)
        if comments.count() != len(ids):
            messages.error(
                request, _("Some of the selected comments do not exist. Nothing was changed.")
            )
            return redirect(back)
        return _apply(request, comments, action, back)


def _apply(request, comments, action: str, back: str):
    try:
        count = moderation.moderate(comments, action, actor=request.user)
    except services.CommentError as error:
        messages.error(request, error.message)
        return redirect(back)
    if count:
        messages.success(request, _result_message(action, count))
    else:
        messages.warning(request, _("Nothing changed: the comments were already in that state."))
    return redirect(back)


class ModerateOneView(PostOnlyView):
    def post(self, request, pk: int):
        comment = get_object_or_404(Comment, pk=pk)
        back = _safe_next(request, reverse("comments_admin:comment", args=[comment.pk]))
        action = request.POST.get("action", "")
        if action not in STATUS_ACTIONS:
            messages.error(request, _("Unknown moderation action."))
            return redirect(back)
        return _apply(request, Comment.objects.filter(pk=comment.pk), action, back)


class PinView(PostOnlyView):
    def post(self, request, pk: int):
        comment = get_object_or_404(Comment, pk=pk)
        back = _safe_next(request, reverse("comments_admin:comment", args=[comment.pk]))
        pinned = request.POST.get("pinned")
        if pinned not in ("0", "1"):
            messages.error(request, _("Unknown moderation action."))
            return redirect(back)
        try:
            moderation.set_pinned(comment, pinned == "1", actor=request.user)
        except services.CommentError as error:
            messages.error(request, error.message)
            return redirect(back)
        messages.success(request, _("Comment pinned.") if pinned == "1" else _("Comment unpinned."))
        return redirect(back)


class CloseView(PostOnlyView):
    def post(self, request, article_id: int):
        article = get_object_or_404(ArticlePage, pk=article_id)
        back = _safe_next(request, reverse("comments_admin:article", args=[article.pk]))
        closed = request.POST.get("closed")
        if closed not in ("0", "1"):
            messages.error(request, _("Unknown moderation action."))
            return redirect(back)
        try:
            moderation.set_closed(article, closed == "1", actor=request.user)
        except services.CommentError as error:
            messages.error(request, error.message)
            return redirect(back)
        messages.success(
            request,
            _("Comments closed on this article.")
            if closed == "1"
            else _("Comments reopened on this article."),
        )
        return redirect(back)
