"""`make labs`: the guide renders to well-formed HTML with working links, and
charts are embedded when built and reported when missing."""
import glob
import importlib.machinery
import importlib.util
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import labtools as L

pytestmark = pytest.mark.build_independent      # pandoc and scripts/render-labs only

SCRIPT = os.path.join(L.ROOT, "scripts", "render-labs")
_loader = importlib.machinery.SourceFileLoader("render_labs", SCRIPT)
render = importlib.util.module_from_spec(importlib.util.spec_from_loader("render_labs", _loader))
_loader.exec_module(render)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if not shutil.which("pandoc"):
        pytest.skip("requires pandoc (scripts/deps.sh installs it)")
    build = tmp_path_factory.mktemp("build")
    os.makedirs(build / "iobench")
    (build / "iobench" / "ring-vs-exits.svg").write_text(SVG)
    r = subprocess.run([SCRIPT, str(build)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return build / "labs", r.stdout


def test_every_page_is_rendered(site):
    out, stdout = site
    expected = {"index.html", "charts.html"} | {
        os.path.basename(p)[:-3] + ".html" for p in L.lab_files()} | {
        os.path.basename(p)[:-3] + ".html" for p in glob.glob(os.path.join(L.DOCS, "*.md"))}
    assert expected <= set(os.listdir(out))
    assert re.search(r"^render-labs: \d+ pages in ", stdout, re.M)


def test_pages_are_well_formed(site):
    out, _ = site
    for page in glob.glob(os.path.join(out, "*.html")):
        with open(page, encoding="utf-8") as f:
            text = re.sub(r"<!DOCTYPE[^>]*>", "", f.read(), count=1)
        ET.fromstring(text)          # raises on a malformed page


def test_links_between_pages_point_at_rendered_pages(site):
    out, _ = site
    with open(os.path.join(out, "hello-kvm.html"), encoding="utf-8") as f:
        html = f.read()
    assert 'href="concepts.html#execution"' in html
    assert 'href="glossary.html"' in html
    for page in glob.glob(os.path.join(out, "*.html")):
        with open(page, encoding="utf-8") as f:
            for href in re.findall(r'href="([^"#:]+\.html)', f.read()):
                assert os.path.exists(os.path.join(out, href)), f"{page}: {href}"


def test_unreferenced_bench_charts_appear_on_the_charts_page(site):
    out, _ = site
    assert os.path.exists(os.path.join(out, "charts", "iobench-ring-vs-exits.svg"))
    with open(os.path.join(out, "charts.html"), encoding="utf-8") as f:
        assert 'src="charts/iobench-ring-vs-exits.svg"' in f.read()


def test_chart_marker_embeds_a_built_chart_and_reports_a_missing_one(tmp_path):
    os.makedirs(tmp_path / "bench")
    (tmp_path / "bench" / "exit-cost.svg").write_text(SVG)
    os.makedirs(tmp_path / "labs" / "charts")
    missing, used = [], set()
    text = ("a\n<!-- chart: bench/exit-cost.svg Exit cost by reason -->\n"
            "b\n<!-- chart: bench/absent.svg -->\n"
            "```\n<!-- chart: bench/in-an-example.svg -->\n```\n")
    got = render.embed_charts(text, str(tmp_path), str(tmp_path / "labs"), missing, used,
                              os.path.join(L.LABS, "x.md"))
    assert "![Exit cost by reason](charts/bench-exit-cost.svg)" in got
    assert os.path.exists(tmp_path / "labs" / "charts" / "bench-exit-cost.svg")
    assert "Chart `bench/absent.svg` is not built yet" in got
    assert missing == [("bench/absent.svg", "labs/x.md")]
    assert "```\n<!-- chart: bench/in-an-example.svg -->\n```" in got   # examples stay
