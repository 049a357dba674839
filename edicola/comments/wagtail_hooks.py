"""The moderation queue in the Wagtail admin: its URLs, the "Comments" menu item with the number
of comments awaiting review, a dashboard panel, and the permission that opens it to a group."""

from django.contrib.auth.models import Permission
from django.urls import include, path, reverse
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component

from edicola.core import converters  # noqa: F401 (registers <id:...>)

from . import moderation
from .models import Comment
from .readers import is_moderator
from .views import admin as views
from .views import admin_pages

app_name = "comments_admin"
urlpatterns = [
    path("", views.QueueView.as_view(), name="queue"),
    path("results/", views.QueueResultsView.as_view(), name="queue_results"),
    path("bulk/", views.BulkModerateView.as_view(), name="bulk"),
    path("log/", admin_pages.LogView.as_view(), name="log"),
    path("history/", admin_pages.HistoryView.as_view(), name="history"),
    path("<id:pk>/", admin_pages.CommentView.as_view(), name="comment"),
    path("<id:pk>/moderate/", views.ModerateOneView.as_view(), name="moderate"),
    path("<id:pk>/pin/", views.PinView.as_view(), name="pin"),
    path("article/<id:article_id>/", admin_pages.ArticleDiscussionView.as_view(), name="article"),
    path("article/<id:article_id>/close/", views.CloseView.as_view(), name="close"),
]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("comments/", include((urlpatterns, app_name), namespace=app_name))]


class CommentsMenuItem(MenuItem):
    """'Comments', followed by how many comments wait for a moderator when there are any (the
    sidebar has no badge API, so the count is part of the label, and in data-review-count)."""

    def is_shown(self, request):
        return is_moderator(request.user)

    def render_component(self, request):
        count = moderation.review_count()
        component = super().render_component(request)
        if count:
            component.label = _gettext("Comments (%(count)d)") % {"count": count}
        component.attrs = {**component.attrs, "data-review-count": str(count)}
        return component


@hooks.register("register_admin_menu_item")
def register_comments_menu_item():
    return CommentsMenuItem(
        _("Comments"),
        reverse("comments_admin:queue"),
        name="comments",
        icon_name="comment",
        order=250,
    )


class ReviewPanel(Component):
    """Dashboard panel: the latest comments awaiting review."""

    name = "comments_review"
    template_name = "comments/admin/dashboard_panel.html"
    order = 150

    def get_context_data(self, parent_context):
        latest = list(
            moderation.awaiting_review()
            .select_related("article")
            .order_by("-created_at", "-pk")[:5]
        )
        return {
            "count": moderation.review_count(),
            "latest": latest,
            "queue_url": reverse("comments_admin:queue") + f"?status={views.REVIEW}",
        }


@hooks.register("construct_homepage_panels")
def add_review_panel(request, panels):
    if is_moderator(request.user):
        panels.append(ReviewPanel())


@hooks.register("register_permissions")
def register_comment_permissions():
    """Lets an administrator give a group the right to moderate (change) comments."""
    return Permission.objects.filter(
        content_type__app_label=Comment._meta.app_label, codename="change_comment"
    )
