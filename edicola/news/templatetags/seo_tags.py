"""The {% seo_head %} tag: a page's <title>, description, canonical and hreflang links, robots,
OpenGraph and Twitter card, and its JSON-LD, built by news/seo.py.

    {% seo_head %}{% block title %}{% endblock %}{% endseo_head %}

Whatever the enclosed block renders, if anything, replaces the computed <title>, so templates
that override `{% block title %}` keep doing so.
"""

from django import template
from django.template.loader import get_template

from edicola.news.seo import build_page_meta

register = template.Library()


class SeoHeadNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: template.NodeList):
        self.nodelist = nodelist

    def render(self, context) -> str:
        title = " ".join(self.nodelist.render(context).split())
        meta = build_page_meta(context, title=title)
        return get_template("news/includes/seo_head.html").render({"seo": meta})


@register.tag("seo_head")
def seo_head(parser, token) -> SeoHeadNode:
    nodelist = parser.parse(("endseo_head",))
    parser.delete_first_token()
    return SeoHeadNode(nodelist)
