"""The discussion's views, one module per audience, sharing responses.py: the article's
discussion (discussion.py), the JSON API (api.py), subscriptions, commenters' privacy, and the
moderation queue in the Wagtail admin (admin.py). Routes are in comments/urls.py."""
