"""Reader pages that are not Wagtail pages: search results and tag listings."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from taggit.models import Tag

from .models import ArticlePage, page_of
from .search import MAX_QUERY_CHARS, highlight


def search(request):
    query = request.GET.get("q", "")[:MAX_QUERY_CHARS].strip()
    results = page_of(request, ArticlePage.objects.matching(query), per_page=10) if query else None
    if results is not None:
        for article in results:
            article.search_excerpt = highlight(
                f"{article.standfirst} {article.plain_text()}", query
            )
            article.search_title = highlight(article.title, query, max_chars=400)
    return TemplateResponse(
        request,
        "news/search_results.html",
        {"query": query, "results": results, "extra_query": urlencode({"q": query})},
    )


def tag(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    articles = ArticlePage.objects.published().filter(tagged_items__tag=tag).with_listing_data()
    return TemplateResponse(
        request, "news/tag_listing.html", {"tag": tag, "articles": page_of(request, articles)}
    )
