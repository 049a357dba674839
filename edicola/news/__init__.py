"""Publishing: articles, categories, authors, tags, search, feeds, sitemaps and SEO metadata."""
