"""The generator of bench/wordpress.py writes a WXR file WordPress readers accept: a small one
here (the benchmark itself is not part of the suite)."""

import importlib.util
import sys
from pathlib import Path

import pytest
from lxml import etree

BENCH = Path(__file__).resolve().parents[3] / "bench" / "wordpress.py"
WP = "{http://wordpress.org/export/1.2/}"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_wordpress", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generator_writes_a_small_valid_export(tmp_path):
    bench = load_bench()
    counts = bench.write_wxr(
        tmp_path / "wordpress.xml", bench.generate(5, 40, seed=7), tmp_path / "uploads"
    )
    assert counts == {"posts": 5, "pages": 1, "attachments": 6, "comments": 40}
    channel = etree.parse(str(tmp_path / "wordpress.xml")).getroot().find("channel")
    items = channel.findall("item")
    assert len(items) == 12
    comments = list(channel.iter(f"{WP}comment"))
    ids = {comment.findtext(f"{WP}comment_id") for comment in comments}
    parents = {comment.findtext(f"{WP}comment_parent") for comment in comments} - {"0"}
    assert parents and parents <= ids  # threaded, every parent present
    files = sorted((tmp_path / "uploads").rglob("*.jpg"))
    assert len(files) == 6 and len({path.read_bytes() for path in files}) == 5
    again = bench.write_wxr(
        tmp_path / "again.xml", bench.generate(5, 40, seed=7), tmp_path / "uploads2"
    )
    assert again == counts
    assert (tmp_path / "again.xml").read_bytes() == (tmp_path / "wordpress.xml").read_bytes()


@pytest.mark.skipif(
    importlib.util.find_spec("edicola.wordpress.wxr") is None,
    reason="edicola.wordpress.wxr (the WXR reader, helper B) is not merged on this branch yet",
)
def test_generated_export_reads_with_our_reader(tmp_path):
    from edicola.wordpress.wxr import WXRSource

    bench = load_bench()
    bench.write_wxr(tmp_path / "wordpress.xml", bench.generate(5, 40, seed=7), tmp_path / "up")
    source = WXRSource(tmp_path / "wordpress.xml")
    assert source.site().base_url == bench.BASE_URL
    assert len([item for item in source.items() if item.post_type == "attachment"]) == 6
    assert len(list(source.comments())) == 40
    assert len(list(source.authors())) == len(bench.AUTHORS)
