"""The moderation admin's pages about one thing: a comment (with the staff reply form), an
article's discussion, a commenter's history, and the moderation log.

Like the queue (`views.admin`), they only read and call the services; every page needs
the moderation permission.
"""

from __future__ import annotations

from django import forms
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from edicola.news.models import ArticlePage

from .. import moderation, services
from ..models import Comment, Discussion, ModerationLog
from .admin import ModeratorRequiredMixin, annotate_reports, page_of, queue_url, row_actions


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
            {"url": queue_url(), "label": _("Comments")},
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
        annotate_reports([comment])
        context.update(
            comment=comment,
            reports=comment.reports.order_by("-created_at")[:100],
            log=comment.log.select_related("actor")[:100],
            replies=comment.replies.order_by("created_at")[:100],
            reply_form=kwargs.get("reply_form") or StaffReplyForm(),
            status_actions=row_actions(),
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
            queue_url=f"{queue_url()}?article={self.article.pk}",
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
        page = page_of(
            self.request, comments.select_related("article").order_by("-created_at", "-pk")
        )
        annotate_reports(page.object_list)
        context.update(
            email=email,
            network=network,
            missing_key=not (email or network),
            counts=_counts_by_state(comments),
            total=comments.count(),
            related=list(related),
            page_obj=page,
            status_actions=row_actions(),
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
            page_obj=page_of(self.request, entries),
            filter_error=error,
            actions=ModerationLog.Action.choices,
            current_action=action,
        )
        return context
