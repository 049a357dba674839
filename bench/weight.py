"""What a phone downloads for the article with 200 comments: HTML, CSS and JavaScript, as sent.

Run by `bench/run weight` against a running `edicola serve` after the 200-comment seed. For the
article page and for its "Show all comments" page (`?commenti=tutti`), fetches the HTML and
every stylesheet and script it links, as a browser does (`Accept-Encoding: br, gzip`), and
prints the bytes on the wire next to the raw bytes. Targets (issue 14): the article with its
assets ≤ 60 KB compressed, JavaScript ≤ 12 KB compressed.
"""

import argparse
import http.client
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from article import machine  # noqa: E402
from comments import bench_articles, setup_django  # noqa: E402

ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="(/[^"]+)"')
TARGET_KB, JS_TARGET_KB = 60, 12


def fetch(connection: http.client.HTTPConnection, path: str, encoding: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Accept-Encoding": encoding})
    response = connection.getresponse()
    body = response.read()
    assert response.status == 200, f"{path} answered {response.status}"
    return len(body), body if response.getheader("Content-Encoding") is None else b""


def weigh(base_url: str, path: str) -> dict[str, tuple[int, int]]:
    """{"html"|"css"|"js": (bytes compressed, bytes raw)} for one page and what it links."""
    host = urlsplit(base_url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
    raw_html_size, raw_html = fetch(connection, path, "identity")
    sizes = {"html": [fetch(connection, path, "br, gzip")[0], raw_html_size], "css": [0, 0]}
    sizes["js"] = [0, 0]
    for asset in dict.fromkeys(ASSET.findall(raw_html.decode())):
        kind = "js" if asset.endswith(".js") else "css"
        sizes[kind][0] += fetch(connection, asset, "br, gzip")[0]
        sizes[kind][1] += fetch(connection, asset, "identity")[0]
    connection.close()
    return {kind: (wire, raw) for kind, (wire, raw) in sizes.items()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--server", default="edicola serve")
    args = parser.parse_args()
    setup_django()
    article = bench_articles()[0]
    path = article.get_url_parts()[2]
    print(f"bench: page weight, {machine()}, {args.server}")
    failed = False
    for label, page in (("article", path), ("all comments", f"{path}?commenti=tutti")):
        sizes = weigh(args.base_url, page)
        wire = sum(w for w, _ in sizes.values()) / 1024
        raw = sum(r for _, r in sizes.values()) / 1024
        parts = ", ".join(
            f"{kind} {w / 1024:.1f} KB ({r / 1024:.1f} raw)" for kind, (w, r) in sizes.items()
        )
        print(f"  {label:13} {wire:6.1f} KB on the wire, {raw:6.1f} KB raw: {parts}")
        if label == "article":
            js = sizes["js"][0] / 1024
            ok = wire <= TARGET_KB and js <= JS_TARGET_KB
            failed |= not ok
            print(
                f"  target: ≤ {TARGET_KB} KB, JS ≤ {JS_TARGET_KB} KB compressed: "
                f"{'met' if ok else 'NOT met'}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
