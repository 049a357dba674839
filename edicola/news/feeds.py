"""RSS 2.0 and Atom feeds (placeholder, replaced by the feeds work)."""

from django.contrib.syndication.views import Feed


class LatestArticlesFeed(Feed):
    title = "Edicola"
    link = "/"

    def items(self):
        return []


LatestArticlesAtomFeed = CategoryFeed = AuthorFeed = LatestArticlesFeed
