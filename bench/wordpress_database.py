"""Reading a large WordPress + wpDiscuz database through DatabaseSource: time and peak memory.

    .venv/bin/python bench/wordpress_database.py [--posts 20000] [--comments 200000]

Builds the site inside MariaDB (127.0.0.1:3306, or EDICOLA_TEST_MARIADB_URL) from the schema of
edicola/wordpress/tests/fixtures/lumio.sql and MariaDB's sequence tables, at a tenth of the size
and at the full size, then reads every iterator of the source in a fresh process per size and
prints records, wall time and peak RSS. Memory must stay flat from one size to the other: the
reader streams. The databases are dropped at the end.
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edicola.settings")
os.environ.setdefault("SECRET_KEY", "bench-wordpress-database")
os.environ.setdefault("EDICOLA_DATA_DIR", tempfile.mkdtemp(prefix="edicola-bench-wp-"))

# Rows added to the fixture's: posts with five meta rows each and an attachment every tenth
# post, comments (a reply every third) with one meta row each, a vote per comment, a
# subscription per post.
GENERATE = """
SET sql_mode = 'NO_AUTO_VALUE_ON_ZERO';
INSERT INTO wp_posts SELECT 1000 + seq, 2, '2024-01-01 10:00:00', '2024-01-01 09:00:00',
  REPEAT('<p>Il Lumio in prova: batteria, schermo, fotocamera e prezzo.</p>', 50),
  CONCAT('Prova numero ', seq), '', 'publish', 'open', 'open', '', CONCAT('prova-', seq), '', '',
  '2024-01-01 10:00:00', '2024-01-01 09:00:00', '', 0,
  CONCAT('https://lumio.example/?p=', 1000 + seq), 0,
  IF(seq MOD 10 = 0, 'attachment', 'post'), '', 10 FROM seq_1_to_{posts};
INSERT INTO wp_postmeta (post_id, meta_key, meta_value)
  SELECT 1000 + (seq DIV 5) + 1, CONCAT('lumio_chiave_', seq MOD 5), REPEAT('v', 200)
  FROM seq_0_to_{post_meta};
INSERT INTO wp_term_relationships SELECT 1000 + seq, 102, 0 FROM seq_1_to_{posts};
INSERT INTO wp_comments SELECT 10000 + seq, 1000 + (seq MOD {posts}) + 1, 'Lettore Lumio',
  CONCAT('lettore', seq MOD 5000, '@posta.example'), '', '203.0.113.7', '2024-06-05 20:00:00',
  '2024-06-05 18:00:00', REPEAT('Il mio Lumio arriva a sera senza problemi. ', 8), 0, '1', '',
  'comment', IF(seq MOD 3 = 0, 10000 + seq - 1, 0), 0 FROM seq_1_to_{comments};
INSERT INTO wp_commentmeta (comment_id, meta_key, meta_value)
  SELECT 10000 + seq, 'wpdiscuz_votes', '1' FROM seq_1_to_{comments};
INSERT INTO wp_wc_users_voted (user_id, comment_id, vote_type, is_guest, post_id, date)
  SELECT MD5(seq), 10000 + seq, IF(seq MOD 4 = 0, -1, 1), 1, 1000 + (seq MOD {posts}) + 1,
  1717610400 FROM seq_1_to_{comments};
INSERT INTO wp_wc_comments_subscription (email, subscribtion_id, post_id, subscribtion_type,
  activation_key, confirm, subscription_date, imported_from)
  SELECT CONCAT('iscritto', seq, '@posta.example'), 1000 + seq, 1000 + seq, 'post', MD5(seq), 1,
  '2024-06-01 10:00:00', '' FROM seq_1_to_{posts};
"""

READ = """
import resource, sys, time
import django
django.setup()
from edicola.wordpress.database import DatabaseSource
source = DatabaseSource(sys.argv[1])
started = time.monotonic()
counts = {}
for name in ("authors", "terms", "items", "comments", "votes", "subscriptions",
             "feedback_forms", "closed_comment_ids"):
    counts[name] = sum(1 for _ in getattr(source, name)())
elapsed = time.monotonic() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{counts['items']:>7} items {counts['comments']:>8} comments {counts['votes']:>8} votes "
      f"{counts['subscriptions']:>7} subscriptions  {elapsed:6.1f} s  peak RSS {peak:6.1f} MB")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--comments", type=int, default=200_000)
    args = parser.parse_args()

    from edicola.wordpress.tests import mariadb

    if problem := mariadb.server_problem():
        sys.exit(problem)
    fixture = ROOT / "edicola/wordpress/tests/fixtures/lumio.sql"
    print("Reading a WordPress database through DatabaseSource (every iterator, one pass):")
    for share in (10, 1):
        posts, comments = max(args.posts // share, 1), max(args.comments // share, 1)
        name = mariadb.create_database()
        try:
            mariadb.load_dump(name, fixture)
            sql = GENERATE.format(posts=posts, post_meta=posts * 5 - 1, comments=comments)
            mariadb.execute(name, *[part for part in sql.split(";") if part.strip()])
            label = "a tenth" if share == 10 else "full size"
            print(f"  {label:>9}: ", end="", flush=True)
            subprocess.run(
                [sys.executable, "-c", READ, mariadb.url_for(name)], check=True, timeout=1800
            )
        finally:
            mariadb.drop_database(name)


if __name__ == "__main__":
    main()
