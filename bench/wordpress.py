"""WordPress import benchmark: a generated WordPress + wpDiscuz site imported by
`edicola import_wordpress`, wall time and peak memory at a tenth of the size and at full size.

    bench/wordpress.py [--runs 2000:20000,20000:200000] [--sources wxr,database] [--keep DIR]
    bench/wordpress.py --generate-only DIR --runs 5:20   (just write the files)

The generator is ours and deterministic (seeded): N posts in nested categories with tags, a
featured image each (an attachment whose file is one of five tiny distinct JPEGs drawn by Pillow,
copied into a generated `uploads/` tree), Gutenberg and classic bodies, a few pages, drafts,
future, private and sticky posts; M comments threaded up to six levels, with pending, spam,
trash and pingbacks; wpDiscuz votes (about half as many as comments), subscriptions (post,
all_comment and comment, confirmed or not) and inline feedback forms. It writes the same site
twice: as a WXR 1.2 file (`wordpress.xml`) and as a WordPress database in a throw-away MariaDB
database (`edicola_bench_wp_<random>`, WordPress's and wpDiscuz's table and column names,
loaded with executemany, dropped at the end).

Each run imports into a fresh SQLite data directory (migrated first, untimed) in a subprocess:
`edicola import_wordpress --wxr FILE --uploads DIR` or `--database URL --uploads DIR`. It prints
wall time and the peak RSS of the import process (VmHWM, polled from /proc every 0.2 s), with
`--export` the same for `edicola export_site` on the imported site, and the ratio between the
largest and the smallest run (flatness). Targets (2-core machine): ≤ 15 minutes and ≤ 400 MB
at full size, flat from the tenth to the full size.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
BASE_URL = "https://lumio.example"
PREFIX = "wp_"
SEED = 20260311
MARIADB = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}

WORDS = (
    "telefono batteria schermo fotocamera prezzo modello ricarica processore memoria "
    "aggiornamento sensore display pieghevole tablet portatile cuffie autonomia rete "
    "antenna custodia vetro alluminio luminosità prova negozio offerta sconto uscita "
    "marzo aprile novità confronto prestazioni giornata sera notte mattina utenti"
).split()
NAMES = "Anna Bruno Carla Dario Elena Fabio Giada Luca Marta Nico Olga Paolo Rita Sara".split()


# ---------------------------------------------------------------------------- the site


@dataclass
class Comment:
    id: int
    post_id: int
    parent: int
    author: str
    email: str
    date: datetime
    content: str
    approved: str
    type: str = "comment"
    user_id: int = 0
    meta: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Post:
    id: int
    type: str  # post, page, attachment
    status: str
    title: str
    slug: str
    content: str
    excerpt: str
    date: datetime
    author: int
    parent: int = 0
    sticky: bool = False
    password: str = ""
    terms: list[tuple[str, str, str]] = field(default_factory=list)  # taxonomy, slug, name
    meta: list[tuple[str, str]] = field(default_factory=list)
    attachment_file: str = ""  # relative to uploads/
    comments: list[Comment] = field(default_factory=list)


AUTHORS = [(n + 1, f"redattore{n + 1}", f"{NAMES[n]} Redattore") for n in range(12)]
CATEGORIES = [  # id, slug, name, parent id
    (2, "smartphone", "Smartphone", 0),
    (3, "android", "Android", 2),
    (4, "iphone", "iPhone", 2),
    (5, "portatili", "Portatili", 0),
    (6, "tablet", "Tablet", 0),
    (7, "accessori", "Accessori", 0),
    (8, "offerte", "Offerte", 0),
    (9, "guide", "Guide", 0),
]
TAGS = [(100 + n, f"tag-{n}", f"{WORDS[n % len(WORDS)]} {n}") for n in range(60)]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def gutenberg_body(rng: random.Random, image_id: int, image_url: str, feedback: str) -> str:
    parts = []
    for index in range(rng.randint(3, 7)):
        parts.append(f"<!-- wp:paragraph -->\n<p>{sentence(rng, 30)}</p>\n<!-- /wp:paragraph -->")
        if index == 1:
            parts.append(
                f'<!-- wp:heading -->\n<h2 class="wp-block-heading">{sentence(rng, 4)}</h2>\n'
                "<!-- /wp:heading -->"
            )
        if index == 2:
            parts.append(
                f'<!-- wp:image {{"id":{image_id},"sizeSlug":"large"}} -->\n'
                f'<figure class="wp-block-image size-large"><img src="{image_url}" alt="" '
                f'class="wp-image-{image_id}"/></figure>\n<!-- /wp:image -->'
            )
    if feedback:
        parts.append(f"<!-- wp:paragraph -->\n<p>{feedback}</p>\n<!-- /wp:paragraph -->")
    return "\n\n".join(parts)


def classic_body(rng: random.Random, image_id: int, image_url: str) -> str:
    paragraphs = [sentence(rng, 25) for _ in range(rng.randint(3, 6))]
    paragraphs.insert(
        1,
        f'[caption id="attachment_{image_id}" align="aligncenter" width="300"]'
        f'<img class="size-medium wp-image-{image_id}" src="{image_url}" alt="" width="300" '
        f'height="200" /> {sentence(rng, 5)}[/caption]',
    )
    return "\n\n".join(paragraphs)


def generate(posts: int, comments: int, seed: int = SEED):
    """Yield the site's items in order (attachments right before their post), each post with
    its comments; and, through `extras`, the wpDiscuz rows. Deterministic for a given seed."""
    rng = random.Random(seed)
    start = datetime(2016, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 1, 1, tzinfo=UTC) - start).total_seconds()
    comment_id = 0
    next_id = 1000
    per_post = [0] * posts
    for _ in range(comments):
        per_post[rng.randrange(posts)] += 1
    pages = max(1, posts // 200)
    for number in range(posts + pages):
        is_page = number >= posts
        next_id += 2
        attachment_id, post_id = next_id - 1, next_id
        date = start + timedelta(seconds=span * (number % posts) / posts + rng.randint(0, 3600))
        slug = f"{'pagina' if is_page else 'articolo'}-{number + 1}"
        upload = f"{date:%Y/%m}/foto-{number + 1}.jpg"
        image_url = f"{BASE_URL}/wp-content/uploads/{upload}"
        yield Post(
            id=attachment_id,
            type="attachment",
            status="inherit",
            title=f"Foto {number + 1}",
            slug=f"foto-{number + 1}",
            content="",
            excerpt=sentence(rng, 6),  # the caption
            date=date,
            author=AUTHORS[number % len(AUTHORS)][0],
            parent=post_id,
            meta=[
                ("_wp_attached_file", upload),
                ("_wp_attachment_image_alt", sentence(rng, 4)),
            ],
            attachment_file=upload,
        )
        roll = rng.random()
        status = (
            "publish"
            if roll < 0.93
            else "draft"
            if roll < 0.96
            else "future"
            if roll < 0.97
            else "private"
            if roll < 0.98
            else "pending"
            if roll < 0.99
            else "trash"
        )
        if status == "future":
            date = datetime(2030, 1, 1, tzinfo=UTC) + timedelta(days=number)
        feedback = ""
        post = Post(
            id=post_id,
            type="page" if is_page else "post",
            status=status,
            title=sentence(rng, rng.randint(5, 10)).rstrip("."),
            slug=slug,
            content="",
            excerpt=sentence(rng, 15) if rng.random() < 0.5 else "",
            date=date,
            author=AUTHORS[rng.randrange(len(AUTHORS))][0],
            sticky=not is_page and number % 997 == 0,
            password="segreto" if not is_page and number % 499 == 7 else "",
            meta=[("_thumbnail_id", str(attachment_id))],
        )
        if not is_page:
            category = CATEGORIES[rng.randrange(len(CATEGORIES))]
            post.terms.append(("category", category[1], category[2]))
            for tag in rng.sample(TAGS, rng.randint(1, 3)):
                post.terms.append(("post_tag", tag[1], tag[2]))
            if number % 50 == 0:
                feedback = (
                    f'[wpdiscuz-feedback id="q{post_id}" question="{sentence(rng, 5)}" '
                    f'opened="0"]{sentence(rng, 8)}[/wpdiscuz-feedback]'
                )
            if number % 300 == 1:
                post.meta.append(("_wp_old_slug", f"vecchio-{slug}"))
        if number % 3 == 0:
            post.content = classic_body(rng, attachment_id, image_url)
        else:
            post.content = gutenberg_body(rng, attachment_id, image_url, feedback)
        ids: list[int] = []
        depth: dict[int, int] = {}
        for index in range(per_post[number] if not is_page else 0):
            comment_id += 1
            parent = 0
            if ids and rng.random() < 0.55:
                candidate = rng.choice(ids[-20:])
                if depth[candidate] < 6:
                    parent = candidate
            depth[comment_id] = depth.get(parent, -1) + 1 if parent else 0
            ids.append(comment_id)
            roll = rng.random()
            approved = (
                "1" if roll < 0.9 else "0" if roll < 0.95 else "spam" if roll < 0.98 else "trash"
            )
            kind = "pingback" if rng.random() < 0.01 else "comment"
            name = NAMES[rng.randrange(len(NAMES))]
            comment = Comment(
                id=comment_id,
                post_id=post_id,
                parent=parent,
                author=f"{name} {comment_id % 97}",
                email=f"{name.lower()}{comment_id % 997}@esempio.example",
                date=date + timedelta(minutes=5 * (index + 1)),
                content=sentence(rng, rng.randint(5, 40)),
                approved=approved,
                type=kind,
                user_id=AUTHORS[comment_id % len(AUTHORS)][0] if comment_id % 41 == 0 else 0,
            )
            if feedback and index == 0:
                comment.meta.append(("wpdiscuz_feedback_form_id", str(post_id)))
            post.comments.append(comment)
        yield post


def jpegs() -> list[bytes]:
    """Five tiny distinct JPEGs."""
    from PIL import Image

    out = []
    for index, color in enumerate([(200, 40, 40), (40, 160, 60), (30, 60, 200), (220, 180, 0),
                                   (120, 30, 160)]):  # fmt: skip
        image = Image.new("RGB", (48 + index * 8, 32 + index * 4), color)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=60)
        out.append(buffer.getvalue())
    return out


def local(date: datetime) -> str:
    return (date + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")  # Europe/Rome, winter


def gmt(date: datetime) -> str:
    return date.strftime("%Y-%m-%d %H:%M:%S")


def link(post: Post) -> str:
    if post.type == "page":
        return f"{BASE_URL}/{post.slug}/"
    if post.type == "attachment":
        return f"{BASE_URL}/?attachment_id={post.id}"
    return f"{BASE_URL}/{post.date:%Y/%m}/{post.slug}/"


# ---------------------------------------------------------------------------- WXR file


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_wxr(path: Path, items, uploads: Path) -> dict[str, int]:
    counts = {"posts": 0, "pages": 0, "attachments": 0, "comments": 0}
    images = jpegs()
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as out:
        w = out.write
        w('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0"\n')
        w('\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n')
        w('\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n')
        w('\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n')
        w('\txmlns:dc="http://purl.org/dc/elements/1.1/"\n')
        w('\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n<channel>\n')
        w(f"\t<title>Lumio</title>\n\t<link>{BASE_URL}</link>\n")
        w("\t<description>Notizie di tecnologia</description>\n")
        w("\t<pubDate>Thu, 01 Jan 2026 00:00:00 +0000</pubDate>\n\t<language>it-IT</language>\n")
        w("\t<wp:wxr_version>1.2</wp:wxr_version>\n")
        w(f"\t<wp:base_site_url>{BASE_URL}</wp:base_site_url>\n")
        w(f"\t<wp:base_blog_url>{BASE_URL}</wp:base_blog_url>\n")
        for author_id, login, name in AUTHORS:
            w(
                f"\t<wp:author><wp:author_id>{author_id}</wp:author_id>"
                f"<wp:author_login>{cdata(login)}</wp:author_login>"
                f"<wp:author_email>{cdata(login + '@lumio.example')}</wp:author_email>"
                f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
                f"<wp:author_first_name>{cdata(name.split()[0])}</wp:author_first_name>"
                f"<wp:author_last_name>{cdata(name.split()[1])}</wp:author_last_name>"
                "</wp:author>\n"
            )
        parents = {cid: slug for cid, slug, _n, _p in CATEGORIES}
        for term_id, slug, name, parent in CATEGORIES:
            w(
                f"\t<wp:category><wp:term_id>{term_id}</wp:term_id>"
                f"<wp:category_nicename>{cdata(slug)}</wp:category_nicename>"
                f"<wp:category_parent>{cdata(parents.get(parent, ''))}</wp:category_parent>"
                f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>\n"
            )
        for term_id, slug, name in TAGS:
            w(
                f"\t<wp:tag><wp:term_id>{term_id}</wp:term_id><wp:tag_slug>{cdata(slug)}"
                f"</wp:tag_slug><wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>\n"
            )
        logins = {author_id: login for author_id, login, _name in AUTHORS}
        for number, post in enumerate(items):
            if post.attachment_file:
                target = uploads / post.attachment_file
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(images[number % len(images)])
            w("\t<item>\n")
            w(f"\t\t<title>{escape(post.title)}</title>\n\t\t<link>{link(post)}</link>\n")
            w(f"\t\t<pubDate>{post.date:%a, %d %b %Y %H:%M:%S} +0000</pubDate>\n")
            w(f"\t\t<dc:creator>{cdata(logins[post.author])}</dc:creator>\n")
            w(f'\t\t<guid isPermaLink="false">{BASE_URL}/?p={post.id}</guid>\n')
            w("\t\t<description></description>\n")
            w(f"\t\t<content:encoded>{cdata(post.content)}</content:encoded>\n")
            w(f"\t\t<excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>\n")
            w(f"\t\t<wp:post_id>{post.id}</wp:post_id>\n")
            w(f"\t\t<wp:post_date>{cdata(local(post.date))}</wp:post_date>\n")
            w(f"\t\t<wp:post_date_gmt>{cdata(gmt(post.date))}</wp:post_date_gmt>\n")
            w(f"\t\t<wp:post_modified>{cdata(local(post.date))}</wp:post_modified>\n")
            w(f"\t\t<wp:post_modified_gmt>{cdata(gmt(post.date))}</wp:post_modified_gmt>\n")
            w("\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>\n")
            w("\t\t<wp:ping_status><![CDATA[open]]></wp:ping_status>\n")
            w(f"\t\t<wp:post_name>{cdata(post.slug)}</wp:post_name>\n")
            w(f"\t\t<wp:status>{cdata(post.status)}</wp:status>\n")
            w(f"\t\t<wp:post_parent>{post.parent}</wp:post_parent>\n")
            w("\t\t<wp:menu_order>0</wp:menu_order>\n")
            w(f"\t\t<wp:post_type>{cdata(post.type)}</wp:post_type>\n")
            w(f"\t\t<wp:post_password>{cdata(post.password)}</wp:post_password>\n")
            w(f"\t\t<wp:is_sticky>{int(post.sticky)}</wp:is_sticky>\n")
            if post.attachment_file:
                url = f"{BASE_URL}/wp-content/uploads/{post.attachment_file}"
                w(f"\t\t<wp:attachment_url>{cdata(url)}</wp:attachment_url>\n")
                counts["attachments"] += 1
            else:
                counts["pages" if post.type == "page" else "posts"] += 1
            for taxonomy, slug, name in post.terms:
                w(f'\t\t<category domain="{taxonomy}" nicename="{slug}">{cdata(name)}</category>\n')
            for key, value in post.meta:
                w(
                    f"\t\t<wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
                    f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>\n"
                )
            for c in post.comments:
                w(
                    f"\t\t<wp:comment><wp:comment_id>{c.id}</wp:comment_id>"
                    f"<wp:comment_author>{cdata(c.author)}</wp:comment_author>"
                    f"<wp:comment_author_email>{cdata(c.email)}</wp:comment_author_email>"
                    "<wp:comment_author_url></wp:comment_author_url>"
                    f"<wp:comment_author_IP>{cdata('203.0.113.' + str(c.id % 250))}"
                    "</wp:comment_author_IP>"
                    f"<wp:comment_date>{cdata(local(c.date))}</wp:comment_date>"
                    f"<wp:comment_date_gmt>{cdata(gmt(c.date))}</wp:comment_date_gmt>"
                    f"<wp:comment_content>{cdata(c.content)}</wp:comment_content>"
                    f"<wp:comment_approved>{cdata(c.approved)}</wp:comment_approved>"
                    f"<wp:comment_type>{cdata(c.type)}</wp:comment_type>"
                    f"<wp:comment_parent>{c.parent}</wp:comment_parent>"
                    f"<wp:comment_user_id>{c.user_id}</wp:comment_user_id>"
                )
                for key, value in c.meta:
                    w(
                        f"<wp:commentmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
                        f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:commentmeta>"
                    )
                w("</wp:comment>\n")
                counts["comments"] += 1
            w("\t</item>\n")
        w("</channel>\n</rss>\n")
    return counts


# ---------------------------------------------------------------------------- MariaDB

SCHEMA = """
CREATE TABLE {p}options (option_id bigint unsigned NOT NULL AUTO_INCREMENT,
  option_name varchar(191) NOT NULL DEFAULT '', option_value longtext NOT NULL,
  autoload varchar(20) NOT NULL DEFAULT 'yes', PRIMARY KEY (option_id),
  UNIQUE KEY option_name (option_name));
CREATE TABLE {p}users (ID bigint unsigned NOT NULL AUTO_INCREMENT,
  user_login varchar(60) NOT NULL DEFAULT '', user_pass varchar(255) NOT NULL DEFAULT '',
  user_nicename varchar(50) NOT NULL DEFAULT '', user_email varchar(100) NOT NULL DEFAULT '',
  user_url varchar(100) NOT NULL DEFAULT '',
  user_registered datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  user_activation_key varchar(255) NOT NULL DEFAULT '', user_status int NOT NULL DEFAULT 0,
  display_name varchar(250) NOT NULL DEFAULT '', PRIMARY KEY (ID));
CREATE TABLE {p}usermeta (umeta_id bigint unsigned NOT NULL AUTO_INCREMENT,
  user_id bigint unsigned NOT NULL DEFAULT 0, meta_key varchar(255) DEFAULT NULL,
  meta_value longtext, PRIMARY KEY (umeta_id), KEY user_id (user_id));
CREATE TABLE {p}terms (term_id bigint unsigned NOT NULL AUTO_INCREMENT,
  name varchar(200) NOT NULL DEFAULT '', slug varchar(200) NOT NULL DEFAULT '',
  term_group bigint NOT NULL DEFAULT 0, PRIMARY KEY (term_id), KEY slug (slug(191)));
CREATE TABLE {p}term_taxonomy (term_taxonomy_id bigint unsigned NOT NULL AUTO_INCREMENT,
  term_id bigint unsigned NOT NULL DEFAULT 0, taxonomy varchar(32) NOT NULL DEFAULT '',
  description longtext NOT NULL, parent bigint unsigned NOT NULL DEFAULT 0,
  count bigint NOT NULL DEFAULT 0, PRIMARY KEY (term_taxonomy_id),
  UNIQUE KEY term_id_taxonomy (term_id, taxonomy));
CREATE TABLE {p}term_relationships (object_id bigint unsigned NOT NULL DEFAULT 0,
  term_taxonomy_id bigint unsigned NOT NULL DEFAULT 0, term_order int NOT NULL DEFAULT 0,
  PRIMARY KEY (object_id, term_taxonomy_id));
CREATE TABLE {p}posts (ID bigint unsigned NOT NULL AUTO_INCREMENT,
  post_author bigint unsigned NOT NULL DEFAULT 0,
  post_date datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_date_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content longtext NOT NULL, post_title text NOT NULL, post_excerpt text NOT NULL,
  post_status varchar(20) NOT NULL DEFAULT 'publish',
  comment_status varchar(20) NOT NULL DEFAULT 'open',
  ping_status varchar(20) NOT NULL DEFAULT 'open', post_password varchar(255) NOT NULL DEFAULT '',
  post_name varchar(200) NOT NULL DEFAULT '', to_ping text NOT NULL, pinged text NOT NULL,
  post_modified datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_modified_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  post_content_filtered longtext NOT NULL, post_parent bigint unsigned NOT NULL DEFAULT 0,
  guid varchar(255) NOT NULL DEFAULT '', menu_order int NOT NULL DEFAULT 0,
  post_type varchar(20) NOT NULL DEFAULT 'post', post_mime_type varchar(100) NOT NULL DEFAULT '',
  comment_count bigint NOT NULL DEFAULT 0, PRIMARY KEY (ID),
  KEY type_status_date (post_type, post_status, post_date, ID), KEY post_parent (post_parent));
CREATE TABLE {p}postmeta (meta_id bigint unsigned NOT NULL AUTO_INCREMENT,
  post_id bigint unsigned NOT NULL DEFAULT 0, meta_key varchar(255) DEFAULT NULL,
  meta_value longtext, PRIMARY KEY (meta_id), KEY post_id (post_id));
CREATE TABLE {p}comments (comment_ID bigint unsigned NOT NULL AUTO_INCREMENT,
  comment_post_ID bigint unsigned NOT NULL DEFAULT 0, comment_author tinytext NOT NULL,
  comment_author_email varchar(100) NOT NULL DEFAULT '',
  comment_author_url varchar(200) NOT NULL DEFAULT '',
  comment_author_IP varchar(100) NOT NULL DEFAULT '',
  comment_date datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  comment_date_gmt datetime NOT NULL DEFAULT '0000-00-00 00:00:00',
  comment_content text NOT NULL, comment_karma int NOT NULL DEFAULT 0,
  comment_approved varchar(20) NOT NULL DEFAULT '1',
  comment_agent varchar(255) NOT NULL DEFAULT '',
  comment_type varchar(20) NOT NULL DEFAULT 'comment',
  comment_parent bigint unsigned NOT NULL DEFAULT 0, user_id bigint unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (comment_ID), KEY comment_post_ID (comment_post_ID),
  KEY comment_parent (comment_parent));
CREATE TABLE {p}commentmeta (meta_id bigint unsigned NOT NULL AUTO_INCREMENT,
  comment_id bigint unsigned NOT NULL DEFAULT 0, meta_key varchar(255) DEFAULT NULL,
  meta_value longtext, PRIMARY KEY (meta_id), KEY comment_id (comment_id));
CREATE TABLE {p}wc_users_voted (id int NOT NULL AUTO_INCREMENT, user_id varchar(32) NOT NULL,
  comment_id int NOT NULL, vote_type int DEFAULT NULL, is_guest tinyint(1) DEFAULT 0,
  post_id bigint unsigned NOT NULL DEFAULT 0, date int unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (id), KEY comment_id (comment_id), KEY post_id (post_id));
CREATE TABLE {p}wc_comments_subscription (id int NOT NULL AUTO_INCREMENT,
  email varchar(100) NOT NULL, subscribtion_id int NOT NULL, post_id int NOT NULL,
  subscribtion_type varchar(20) NOT NULL, activation_key varchar(100) NOT NULL,
  confirm tinyint DEFAULT 0, subscription_date timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  imported_from varchar(25) NOT NULL DEFAULT '', PRIMARY KEY (id),
  KEY subscribtion_id (subscribtion_id), KEY post_id (post_id));
CREATE TABLE {p}wc_feedback_forms (id int NOT NULL AUTO_INCREMENT,
  post_id int NOT NULL DEFAULT 0, unique_id varchar(15) NOT NULL, question varchar(255) NOT NULL,
  opened tinyint unsigned NOT NULL DEFAULT 0, content longtext NOT NULL, PRIMARY KEY (id),
  KEY post_id (post_id));
"""


class Loader:
    """Rows into MariaDB with executemany, a batch at a time."""

    def __init__(self, connection):
        self.connection = connection
        self.pending: dict[str, tuple[str, list]] = {}

    def add(self, table: str, columns: tuple[str, ...], row: tuple) -> None:
        if table not in self.pending:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {PREFIX}{table} ({', '.join(columns)}) VALUES ({marks})"
            self.pending[table] = (sql, [])
        sql, rows = self.pending[table]
        rows.append(row)
        if len(rows) >= 2000:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        with self.connection.cursor() as cursor:
            for name in [table] if table else list(self.pending):
                sql, rows = self.pending[name]
                if rows:
                    cursor.executemany(sql, rows)
                    rows.clear()
        self.connection.commit()


POST_COLUMNS = (
    "ID", "post_author", "post_date", "post_date_gmt", "post_content", "post_title",
    "post_excerpt", "post_status", "comment_status", "ping_status", "post_password", "post_name",
    "to_ping", "pinged", "post_modified", "post_modified_gmt", "post_content_filtered",
    "post_parent", "guid", "menu_order", "post_type", "post_mime_type", "comment_count",
)  # fmt: skip
COMMENT_COLUMNS = (
    "comment_ID", "comment_post_ID", "comment_author", "comment_author_email",
    "comment_author_url", "comment_author_IP", "comment_date", "comment_date_gmt",
    "comment_content", "comment_approved", "comment_type", "comment_parent", "user_id",
)  # fmt: skip


def load_database(name: str, items, seed: int = SEED) -> dict[str, int]:
    import pymysql

    counts = {"posts": 0, "comments": 0, "votes": 0, "subscriptions": 0, "feedback_forms": 0}
    server = pymysql.connect(**MARIADB, charset="utf8mb4", autocommit=True)
    with server.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    server.close()
    connection = pymysql.connect(**MARIADB, database=name, charset="utf8mb4")
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO'")
        for statement in SCHEMA.format(p=PREFIX).split(";"):
            if statement.strip():
                cursor.execute(statement)
    load = Loader(connection)
    rng = random.Random(seed + 1)
    options = {
        "siteurl": BASE_URL,
        "home": BASE_URL,
        "blogname": "Lumio",
        "blogdescription": "Notizie di tecnologia",
        "permalink_structure": "/%year%/%monthnum%/%postname%/",
        "category_base": "",
        "tag_base": "",
        "timezone_string": "Europe/Rome",
        "gmt_offset": "",
        "show_on_front": "posts",
        "page_on_front": "0",
        "WPLANG": "it_IT",
    }
    sticky: list[int] = []
    for author_id, login, display in AUTHORS:
        load.add(
            "users",
            ("ID", "user_login", "user_nicename", "user_email", "user_registered", "display_name"),
            (author_id, login, login, f"{login}@lumio.example", "2015-06-01 10:00:00", display),
        )
        for key, value in [
            ("first_name", display.split()[0]),
            ("last_name", display.split()[1]),
            ("description", f"Scrive di tecnologia dal {2010 + author_id}."),
            (f"{PREFIX}capabilities", 'a:1:{s:6:"author";b:1;}'),
        ]:
            load.add("usermeta", ("user_id", "meta_key", "meta_value"), (author_id, key, value))
    taxonomy_ids = {}
    for term_id, slug, name, parent in CATEGORIES:
        load.add("terms", ("term_id", "name", "slug"), (term_id, name, slug))
        load.add(
            "term_taxonomy",
            ("term_taxonomy_id", "term_id", "taxonomy", "description", "parent"),
            (term_id, term_id, "category", "", parent),
        )
        taxonomy_ids[("category", slug)] = term_id
    for term_id, slug, name in TAGS:
        load.add("terms", ("term_id", "name", "slug"), (term_id, name, slug))
        load.add(
            "term_taxonomy",
            ("term_taxonomy_id", "term_id", "taxonomy", "description", "parent"),
            (term_id, term_id, "post_tag", "", 0),
        )
        taxonomy_ids[("post_tag", slug)] = term_id
    subscription_id = 0
    for post in items:
        mime = "image/jpeg" if post.type == "attachment" else ""
        guid = (
            f"{BASE_URL}/wp-content/uploads/{post.attachment_file}"
            if post.attachment_file
            else f"{BASE_URL}/?p={post.id}"
        )
        load.add(
            "posts",
            POST_COLUMNS,
            (
                post.id, post.author, local(post.date), gmt(post.date), post.content, post.title,
                post.excerpt, post.status, "open", "open", post.password, post.slug, "", "",
                local(post.date), gmt(post.date), "", post.parent, guid, 0, post.type, mime,
                len(post.comments),
            ),
        )  # fmt: skip
        counts["posts"] += 1
        if post.sticky:
            sticky.append(post.id)
        for key, value in post.meta:
            load.add("postmeta", ("post_id", "meta_key", "meta_value"), (post.id, key, value))
        for taxonomy, slug, _name in post.terms:
            load.add(
                "term_relationships",
                ("object_id", "term_taxonomy_id"),
                (post.id, taxonomy_ids[(taxonomy, slug)]),
            )
        if '[wpdiscuz-feedback id="' in post.content:
            unique = f"q{post.id}"
            load.add(
                "wc_feedback_forms",
                ("id", "post_id", "unique_id", "question", "opened", "content"),
                (post.id, post.id, unique, "Che ne pensate?", 0, ""),
            )
            counts["feedback_forms"] += 1
        for c in post.comments:
            load.add(
                "comments",
                COMMENT_COLUMNS,
                (
                    c.id, c.post_id, c.author, c.email, "", f"203.0.113.{c.id % 250}",
                    local(c.date), gmt(c.date), c.content, c.approved, c.type, c.parent,
                    c.user_id,
                ),
            )  # fmt: skip
            counts["comments"] += 1
            for key, value in c.meta:
                load.add(
                    "commentmeta", ("comment_id", "meta_key", "meta_value"), (c.id, key, value)
                )
            # About one vote per two comments, a few down; guests hashed, members by id.
            if c.approved == "1" and rng.random() < 0.5:
                member = rng.random() < 0.2
                load.add(
                    "wc_users_voted",
                    ("user_id", "comment_id", "vote_type", "is_guest", "post_id", "date"),
                    (
                        str(AUTHORS[c.id % len(AUTHORS)][0]) if member else secrets.token_hex(16),
                        c.id,
                        1 if rng.random() < 0.85 else -1,
                        0 if member else 1,
                        c.post_id,
                        int(c.date.timestamp()) + 600,
                    ),
                )
                counts["votes"] += 1
        if post.type == "post" and rng.random() < 0.5:
            subscription_id += 1
            kind = rng.choice(["post", "all_comment", "comment"])
            subject = post.comments[0].id if kind == "comment" and post.comments else post.id
            load.add(
                "wc_comments_subscription",
                (
                    "email", "subscribtion_id", "post_id", "subscribtion_type", "activation_key",
                    "confirm", "subscription_date",
                ),
                (
                    f"lettore{subscription_id}@esempio.example", subject, post.id,
                    kind if subject != post.id or kind != "comment" else "post",
                    secrets.token_hex(16), int(rng.random() < 0.7), gmt(post.date),
                ),
            )  # fmt: skip
            counts["subscriptions"] += 1
    options["sticky_posts"] = (
        f"a:{len(sticky)}:{{" + "".join(f"i:{i};i:{pid};" for i, pid in enumerate(sticky)) + "}"
    )
    for key, value in options.items():
        load.add("options", ("option_name", "option_value"), (key, value))
    load.flush()
    connection.close()
    return counts


def drop_database(name: str) -> None:
    import pymysql

    connection = pymysql.connect(**MARIADB, autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    connection.close()


def mariadb_answers() -> bool:
    try:
        import pymysql

        pymysql.connect(**MARIADB, connect_timeout=3).close()
        return True
    except Exception:
        return False


# ---------------------------------------------------------------------------- measuring


def peak_rss(command: list[str], env: dict, log: Path, limit: int) -> tuple[float, int, int]:
    """Run `command`; (wall seconds, peak RSS in kB from VmHWM, exit code)."""
    import threading

    started = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

        def copy() -> None:  # each line stamped with the seconds since the start
            for line in process.stdout:
                out.write(f"{time.monotonic() - started:.1f} {line}")

        copier = threading.Thread(target=copy, daemon=True)
        copier.start()
        peak = 0
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:
            try:
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]))
            except OSError:
                pass
            if time.monotonic() - started > limit:
                process.kill()
                process.wait()
                break
            time.sleep(0.2)
        copier.join(timeout=10)
    return time.monotonic() - started, peak, process.returncode


def phase_times(log: Path) -> list[tuple[str, float]]:
    """Seconds per phase of the import: from the end of the previous phase to the last progress
    line of this one (the log's lines are stamped with seconds since the start)."""
    ends: dict[str, float] = {}
    for line in log.read_text(errors="replace").splitlines():
        stamp, _sep, text = line.partition(" ")
        label, colon, _rest = text.partition(": ")
        if colon and label and len(label) < 40 and not label.startswith(" "):
            try:
                ends[label] = float(stamp)
            except ValueError:
                continue
    found, previous = [], 0.0
    for label, end in ends.items():
        found.append((label, end - previous))
        previous = end
    return found


def edicola_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET"):
        env.pop(name, None)
    env.update(
        EDICOLA_DATA_DIR=str(data_dir),
        SECRET_KEY=env.get("SECRET_KEY", "bench-wordpress"),
        DEBUG="0",
        HTTPS="0",
        LOG_LEVEL="ERROR",
        BASE_URL="http://127.0.0.1:8000",
    )
    return env


def fmt_mb(kb: int) -> str:
    return f"{kb / 1024:.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", default="2000:20000,20000:200000", help="posts:comments,...")
    parser.add_argument("--sources", default="", help="wxr,database (default: both if MariaDB)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", help="keep the generated files in this directory")
    parser.add_argument("--generate-only", metavar="DIR", help="write the files, import nothing")
    parser.add_argument("--export", action="store_true", help="also time export_site after")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per import")
    args = parser.parse_args()
    runs = [tuple(int(x) for x in run.split(":")) for run in args.runs.split(",")]
    edicola = str(Path(sys.executable).with_name("edicola"))

    if args.generate_only:
        out = Path(args.generate_only)
        out.mkdir(parents=True, exist_ok=True)
        posts, comments = runs[0]
        counts = write_wxr(
            out / "wordpress.xml", generate(posts, comments, args.seed), out / "uploads"
        )
        print(f"wrote {out / 'wordpress.xml'}: {counts}")
        return 0

    sources = [s for s in args.sources.split(",") if s] or (
        ["wxr", "database"] if mariadb_answers() else ["wxr"]
    )
    if "database" in sources and not mariadb_answers():
        print("bench: MariaDB does not answer on 127.0.0.1:3306", file=sys.stderr)
        return 1
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    print(f"sources: {', '.join(sources)}; runs: {args.runs}; seed {args.seed}")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="edicola-wpbench."))
    work.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[tuple[int, int, float, int]]] = {}
    failed = False
    try:
        for posts, comments in runs:
            run_dir = work / f"{posts}-{comments}"
            shutil.rmtree(run_dir, ignore_errors=True)
            run_dir.mkdir(parents=True)
            began = time.monotonic()
            counts = write_wxr(
                run_dir / "wordpress.xml", generate(posts, comments, args.seed), run_dir / "uploads"
            )
            size = (run_dir / "wordpress.xml").stat().st_size
            print(
                f"\n{posts:,} posts / {comments:,} comments: generated WXR "
                f"({size / 1e6:.0f} MB, {counts['attachments']:,} attachments, "
                f"{counts['comments']:,} comments) in {time.monotonic() - began:.0f} s"
            )
            database = ""
            if "database" in sources:
                database = f"edicola_bench_wp_{secrets.token_hex(4)}"
                began = time.monotonic()
                db_counts = load_database(database, generate(posts, comments, args.seed), args.seed)
                print(
                    f"  loaded MariaDB {database} ({db_counts['votes']:,} votes, "
                    f"{db_counts['subscriptions']:,} subscriptions, "
                    f"{db_counts['feedback_forms']:,} feedback forms) in "
                    f"{time.monotonic() - began:.0f} s"
                )
            try:
                for source in sources:
                    data_dir = run_dir / f"data-{source}"
                    env = edicola_env(data_dir)
                    subprocess.run(
                        [edicola, "migrate", "--no-input", "-v0"], env=env, check=True, timeout=900
                    )
                    command = [edicola, "import_wordpress", "--uploads", str(run_dir / "uploads")]
                    if source == "wxr":
                        command += ["--wxr", str(run_dir / "wordpress.xml")]
                    else:
                        command += ["--database", f"mysql://root@127.0.0.1:3306/{database}"]
                    log = run_dir / f"import-{source}.log"
                    wall, peak, code = peak_rss(command, env, log, args.timeout)
                    verdict = "ok" if code == 0 else f"FAILED (exit {code}, see {log})"
                    load = os.getloadavg()[0]
                    print(
                        f"  import from {source:8}: {wall / 60:5.1f} min, peak RSS "
                        f"{fmt_mb(peak)}, {posts / wall:.0f} posts/s and {comments / wall:.0f} "
                        f"comments/s overall (load average {load:.1f}) — {verdict}"
                    )
                    phases = phase_times(log)
                    if phases:
                        print("    " + ", ".join(f"{name} {sec:.0f} s" for name, sec in phases))
                    if code != 0:
                        failed = True
                        print("    " + "\n    ".join(log.read_text().splitlines()[-8:]))
                        continue
                    results.setdefault(source, []).append((posts, comments, wall, peak))
                    if args.export:
                        export_log = run_dir / f"export-{source}.log"
                        wall, peak, code = peak_rss(
                            [edicola, "export_site", str(run_dir / f"export-{source}"), "-v0"],
                            env,
                            export_log,
                            args.timeout,
                        )
                        print(
                            f"  export_site after it: {wall / 60:5.1f} min, peak RSS "
                            f"{fmt_mb(peak)} — {'ok' if code == 0 else 'FAILED'}"
                        )
                        results.setdefault(f"export after {source}", []).append(
                            (posts, comments, wall, peak)
                        )
                    if not args.keep:
                        shutil.rmtree(data_dir, ignore_errors=True)
                        shutil.rmtree(run_dir / f"export-{source}", ignore_errors=True)
            finally:
                if database:
                    drop_database(database)
        print("\nflatness (largest run against the smallest):")
        for name, rows in results.items():
            if len(rows) > 1:
                small, large = rows[0], rows[-1]
                scale = large[0] / small[0]
                print(
                    f"  {name}: ×{scale:.0f} the posts → time ×{large[2] / small[2]:.1f}, "
                    f"peak RSS {fmt_mb(small[3])} → {fmt_mb(large[3])} "
                    f"(×{large[3] / max(small[3], 1):.2f}, {(large[3] - small[3]) / 1024:+.0f} MB)"
                )
        print("targets: ≤ 15 min and ≤ 400 MB at 20,000 posts / 200,000 comments; flat")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
