"""Edicola: a publishing platform for independent tech-news sites."""
