"""The moderation queue in Wagtail's admin: list, filter and search comments, act on them one by
one or in bulk, reply as staff, pin, close a discussion, see a commenter's history and the log.

Views only parse input and call the services (moderate, set_pinned, set_closed, reply_as_staff),
which apply the rules and write the ModerationLog. Every view needs the moderation permission
(readers.is_moderator).
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseForbidden, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.views.generic.base import BaseListingView, WagtailAdminTemplateMixin
from wagtail.admin.widgets import BooleanRadioSelect

from edicola.news.models import ArticlePage

from .. import moderation, services
from ..models import Comment, Discussion, ModerationLog, Report
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


def _queue_url() -> str:
    return reverse("comments_admin:queue")


def _annotate_reports(comments) -> None:
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
            for action, label, classes in _row_actions()
            if STATUS_ACTIONS[action] != comment.status
            or (action == ModerationLog.Action.APPROVE and comment.needs_review)
        ]


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("p"))
    page.elided_range = list(page.paginator.get_elided_page_range(page.number))
    return page


# The queue ------------------------------------------------------------------------------------


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
        _annotate_reports(context["object_list"])
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
        context["status_actions"] = _row_actions()
        context["review_count"] = moderation.review_count()
        return context


class QueueResultsView(QueueView):
    results_only = True


def _row_actions():
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
        back = _safe_next(request, _queue_url())
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


# One comment ----------------------------------------------------------------------------------


class StaffReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Reply as editorial staff"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class AdminPageView(ModeratorRequiredMixin, WagtailAdminTemplateMixin, TemplateView):
    header_icon = "comment"

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": _queue_url(), "label": _("Comments")},
            {"url": "", "label": self.get_page_title()},
        ]


class CommentView(AdminPageView):
    """One comment: full text, reports, log, thread context, actions and the staff reply form."""

    template_name = "comments/admin/comment.html"

    def dispatch(self, request, *args, **kwargs):
        self.comment = get_object_or_404(
            Comment.objects.select_related("article", "parent", "user"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Comment by %(name)s") % {"name": self.comment.author_name}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = self.comment
        _annotate_reports([comment])
        context.update(
            comment=comment,
            reports=comment.reports.order_by("-created_at")[:100],
            log=comment.log.select_related("actor")[:100],
            replies=comment.replies.order_by("created_at")[:100],
            reply_form=kwargs.get("reply_form") or StaffReplyForm(),
            status_actions=_row_actions(),
            discussion_closed=_is_closed(comment.article),
        )
        return context

    def post(self, request, pk: int):
        """The staff reply form."""
        form = StaffReplyForm(request.POST)
        if form.is_valid():
            try:
                reply = moderation.reply_as_staff(
                    self.comment, form.cleaned_data["body"], actor=request.user
                )
            except services.CommentError as error:
                form.add_error("body" if error.field in (None, "body") else None, error.message)
            else:
                messages.success(request, _("Your reply was published."))
                return redirect(reverse("comments_admin:comment", args=[reply.pk]))
        return self.render_to_response(self.get_context_data(reply_form=form), status=400)


def _is_closed(article) -> bool:
    """Read-only: an article without a Discussion row is open (no row is created here)."""
    return Discussion.objects.filter(article=article, is_closed=True).exists()


def _counts_by_state(queryset) -> list[tuple[str, str, int]]:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in Comment.Status.choices]


class ArticleDiscussionView(AdminPageView):
    """One article's discussion: open or closed, counts by state, pinned comments."""

    template_name = "comments/admin/article.html"

    def dispatch(self, request, *args, **kwargs):
        self.article = get_object_or_404(ArticlePage, pk=kwargs["article_id"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Discussion: %(title)s") % {"title": self.article.title}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comments = Comment.objects.filter(article=self.article)
        context.update(
            article=self.article,
            is_closed=_is_closed(self.article),
            counts=_counts_by_state(comments),
            total=comments.count(),
            pinned=comments.filter(is_pinned=True).order_by("-created_at"),
            queue_url=f"{_queue_url()}?article={self.article.pk}",
            log=ModerationLog.objects.filter(
                Q(article=self.article) | Q(comment__article=self.article)
            ).select_related("actor", "comment")[:50],
        )
        return context


class HistoryView(AdminPageView):
    """Everything one commenter wrote, found by e-mail or by network, with counts by state."""

    template_name = "comments/admin/history.html"

    def get_page_title(self):
        return _("Commenter history")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        email = self.request.GET.get("email", "").strip().lower()[:254]
        network = self.request.GET.get("network", "").strip()[:64]
        if email:
            comments = Comment.objects.by_email(email)
            related = (
                comments.exclude(ip_network="")
                .order_by()
                .values_list("ip_network", flat=True)
                .distinct()[:20]
            )
        elif network:
            comments = Comment.objects.filter(ip_network=network)
            related = (
                comments.exclude(author_email="")
                .order_by()
                .values_list("author_email", flat=True)
                .distinct()[:20]
            )
        else:
            comments = Comment.objects.none()
            related = []
        page = _page(
            self.request, comments.select_related("article").order_by("-created_at", "-pk")
        )
        _annotate_reports(page.object_list)
        context.update(
            email=email,
            network=network,
            missing_key=not (email or network),
            counts=_counts_by_state(comments),
            total=comments.count(),
            related=list(related),
            page_obj=page,
            status_actions=_row_actions(),
        )
        return context


class LogView(AdminPageView):
    """The moderation log, newest first; ?comment=<id> or ?article=<id> narrows it."""

    template_name = "comments/admin/log.html"

    def get_page_title(self):
        return _("Moderation log")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = ModerationLog.objects.select_related("actor", "comment", "article")
        error = ""
        for key in ("comment", "article"):
            value = self.request.GET.get(key, "")
            if value:
                if not value.isdigit():
                    error = _("The filter is not valid.")
                    entries = entries.none()
                else:
                    entries = entries.filter(**{f"{key}_id": int(value)})
        action = self.request.GET.get("action", "")
        if action:
            if action in ModerationLog.Action.values:
                entries = entries.filter(action=action)
            else:
                error = _("The filter is not valid.")
                entries = entries.none()
        context.update(
            page_obj=_page(self.request, entries),
            filter_error=error,
            actions=ModerationLog.Action.choices,
            current_action=action,
        )
        return context
