"""`make site`: the course renders to a bilingual HTML site (labs/README.md,
"Rendering the guide") with well-formed pages, navigation (course map,
previous/next in the course's order, the other language), <html lang>, the
figures drawn from their graphviz sources and the charts embedded when built;
and in headless Chromium every page loads, every local link resolves and
every image renders.

The site is rendered once per run into the normal build folder (build/site):
the renderer skips a page whose input is unchanged, so after the first run
this costs well under a second."""
import functools
import glob
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
import importlib.machinery
import importlib.util

import pytest

import labtools as L

pytestmark = pytest.mark.build_independent      # pandoc, dot, chromium and scripts/render-labs only

SCRIPT = os.path.join(L.ROOT, "scripts", "render-labs")
FIGURES = os.path.join(L.LABS, "figures")
_loader = importlib.machinery.SourceFileLoader("render_labs", SCRIPT)
render = importlib.util.module_from_spec(importlib.util.spec_from_loader("render_labs", _loader))
_loader.exec_module(render)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'
FIGURE_LINE = re.compile(r"^(?:Figure:|图：)\s*\[[^\]]+\]\(((?:\.\./)*figures/([\w-]+)\.dot)\)\s*$", re.M)
CHROMIUM_TIMEOUT = 180


def require(tool, package):
    if not shutil.which(tool):
        pytest.skip(f"requires {tool} (Debian package {package}; scripts/deps.sh installs it)")


@pytest.fixture(scope="module")
def site():
    require("pandoc", "pandoc")
    require("dot", "graphviz")
    build = os.path.join(L.ROOT, "build")
    r = subprocess.run([SCRIPT, build], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return os.path.join(build, "site"), r.stdout


def pages(out):
    return sorted(os.path.relpath(p, out) for p in glob.glob(os.path.join(out, "**", "*.html"), recursive=True))


def page_text(out, page):
    with open(os.path.join(out, page), encoding="utf-8") as f:
        return f.read()


def test_every_page_is_rendered(site):
    out, stdout = site
    expected = {"index.html", "zh/index.html", "charts.html"}
    for src, dst in ((L.LABS, ""), (os.path.join(L.LABS, "code"), "code/"), (L.ZH, "zh/"),
                     (os.path.join(L.ZH, "code"), "zh/code/"), (L.DOCS, "docs/")):
        for p in glob.glob(os.path.join(src, "*.md")):
            base = os.path.basename(p)
            expected.add(dst + ("index.html" if base == "README.md" else base[:-3] + ".html"))
    assert expected <= set(pages(out))
    assert re.search(r"^render-labs: \d+ pages in .* \(student edition, \d+ figures", stdout, re.M)


def test_pages_are_well_formed_and_say_their_language(site):
    out, _ = site
    for page in pages(out):
        text = re.sub(r"<!DOCTYPE[^>]*>", "", page_text(out, page), count=1)
        root = ET.fromstring(text)          # raises on a malformed page
        assert root.get("lang") == ("zh" if page.startswith("zh/") else "en"), page


def test_links_between_pages_point_at_rendered_pages(site):
    out, _ = site
    hello = page_text(out, "hello-kvm.html")
    assert 'href="docs/concepts.html#execution"' in hello
    assert 'href="docs/glossary.html"' in hello
    for page in pages(out):
        for href in re.findall(r'href="([^"#:]+)', page_text(out, page)):
            target = os.path.normpath(os.path.join(out, os.path.dirname(page), href))
            assert os.path.exists(target), f"{page}: {href}"


def course_order(readme, prefix):
    """The labs in the order the course map lists them (its numbered lab headings)."""
    return [prefix + m.group(1)[:-3] + ".html"
            for m in re.finditer(r"^#### [\w.]+ \[[^\]]+\]\(([\w-]+\.md)\)", L.read(readme), re.M)]


def rel(page, name):
    """The page a rel=NAME link of page points at, relative to the site's root."""
    m = re.search(rf'<a href="([^"]+)" rel="{name}"', page[1])
    return os.path.normpath(os.path.join(os.path.dirname(page[0]), m.group(1))) if m else None


@pytest.mark.parametrize("lang,readme,prefix", [("en", os.path.join(L.LABS, "README.md"), ""),
                                                ("zh", os.path.join(L.ZH, "README.md"), "zh/")])
def test_next_links_walk_the_course_in_order_and_prev_links_walk_back(site, lang, readme, prefix):
    out, _ = site
    labs = course_order(readme, prefix)
    assert len(labs) >= 10
    walk, page = [], prefix + "index.html"
    for _ in range(200):
        nxt = rel((page, page_text(out, page)), "next")
        if nxt is None:
            break
        assert rel((nxt, page_text(out, nxt)), "prev") == page, f"{nxt}: prev is not {page}"
        walk.append(nxt)
        page = nxt
    assert [p for p in walk if p in labs] == labs, "the next links skip or reorder a lab"


@pytest.mark.parametrize("readme,prefix", [(os.path.join(L.LABS, "README.md"), ""),
                                           (os.path.join(L.ZH, "README.md"), "zh/")])
def test_course_map_sidebar_lists_every_lab_and_marks_this_one(site, readme, prefix):
    out, _ = site
    labs = course_order(readme, prefix)
    for page in labs:
        aside = re.search(r'<aside class="course">(.*?)</aside>', page_text(out, page), re.S)
        assert aside, f"{page}: no course map sidebar"
        targets = [os.path.normpath(os.path.join(os.path.dirname(page), h))
                   for h in re.findall(r'<a href="([^"]+)"', aside.group(1))]
        assert [t for t in targets if t in labs] == labs, page
        assert re.findall(r'<a href="([^"]+)" aria-current="page"', aside.group(1)) == [os.path.basename(page)]


def test_language_switch_pairs_each_lab_with_its_translation(site):
    out, _ = site
    for zh in L.zh_lab_files():
        name = os.path.basename(zh)[:-3] + ".html"
        assert rel((name, page_text(out, name)), "alternate") == "zh/" + name
        assert rel(("zh/" + name, page_text(out, "zh/" + name)), "alternate") == name


def test_student_edition_leaves_out_the_instructor_notes(site):
    out, _ = site
    assert "Common mistake" not in page_text(out, "hello-kvm.html")
    assert "instructor edition" in page_text(out, "hello-kvm.html")
    kept = render.drop_instructor_notes("## Questions\nq\n## Instructor notes\nanswer\n## More\nm\n", "en")
    assert "answer" not in kept and "q" in kept and "## More\nm" in kept


# --- figures: every figure a lab shows is drawn from a graphviz source in the tree ---

def figure_refs():
    """(lab, figure name) for every figure line of every lab, both languages."""
    return [(p, m.group(2)) for p in L.lab_files() + L.zh_lab_files()
            for m in FIGURE_LINE.finditer(L.read(p))]


def test_every_referenced_figure_has_its_source_and_both_languages_show_it():
    refs = figure_refs()
    assert refs
    sources = {os.path.basename(p)[:-4] for p in glob.glob(os.path.join(FIGURES, "*.dot"))}
    for lab, name in refs:
        assert name in sources, f"{lab}: figure {name} has no labs/figures/{name}.dot"
    en = {(os.path.basename(p), n) for p, n in refs if "/zh/" not in p}
    zh = {(os.path.basename(p), n) for p, n in refs if "/zh/" in p}
    assert en == zh, "a figure shown in one language only"
    assert {n for _, n in refs} == sources, "a figure source no lab shows"


def test_every_referenced_figure_is_built_from_its_source(site):
    out, _ = site
    for lab, name in figure_refs():
        svg = os.path.join(out, "figures", name + ".svg")
        with open(os.path.join(FIGURES, name + ".dot"), encoding="utf-8") as f:
            graph = re.search(r"^\s*digraph\s+(\w+)", f.read(), re.M).group(1)
        root = ET.parse(svg).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        # dot names the drawing after the graph: the SVG came from this source
        assert root.find("{http://www.w3.org/2000/svg}g/{http://www.w3.org/2000/svg}title").text == graph
        page = ("zh/" if "/zh/" in lab else "") + os.path.basename(lab)[:-3] + ".html"
        prefix = "../" if page.startswith("zh/") else ""
        assert f'src="{prefix}figures/{name}.svg"' in page_text(out, page), page


def test_figure_without_source_is_an_error(tmp_path):
    with pytest.raises(SystemExit, match="figure figures/absent.dot has no source"):
        render.embed_figures("Figure: [x](figures/absent.dot)\n", os.path.join(L.LABS, "x.md"), "", set())


# --- charts ---

def test_unreferenced_bench_charts_appear_on_the_charts_page(tmp_path):
    os.makedirs(tmp_path / "iobench")
    (tmp_path / "iobench" / "ring-vs-exits.svg").write_text(SVG)
    os.makedirs(tmp_path / "site" / "charts")
    lines, extra = render.charts_page(str(tmp_path), str(tmp_path / "site"), set())
    assert "![iobench/ring-vs-exits.svg](charts/iobench-ring-vs-exits.svg)" in lines
    assert os.path.exists(tmp_path / "site" / "charts" / "iobench-ring-vs-exits.svg")


def test_chart_marker_embeds_a_built_chart_and_reports_a_missing_one(tmp_path):
    os.makedirs(tmp_path / "bench")
    (tmp_path / "bench" / "exit-cost.svg").write_text(SVG)
    os.makedirs(tmp_path / "site" / "charts")
    missing, used = [], set()
    text = ("a\n<!-- chart: bench/exit-cost.svg Exit cost by reason -->\n"
            "b\n<!-- chart: bench/absent.svg -->\n"
            "```\n<!-- chart: bench/in-an-example.svg -->\n```\n")
    got = render.embed_charts(text, str(tmp_path), str(tmp_path / "site"), missing, used,
                              os.path.join(L.LABS, "zh", "x.md"), "../")
    assert "![Exit cost by reason](../charts/bench-exit-cost.svg)" in got
    assert os.path.exists(tmp_path / "site" / "charts" / "bench-exit-cost.svg")
    assert "Chart `bench/absent.svg` is not built yet" in got
    assert missing == [("bench/absent.svg", "labs/zh/x.md")]
    assert "```\n<!-- chart: bench/in-an-example.svg -->\n```" in got   # examples stay


# --- the site in a real browser ---

# Loads every page in an iframe of the same origin, then checks each image
# rendered (complete, natural width > 0) and fetches each local link, its
# #fragment looked up in the target page.  The verdict goes into #result.
PROBE = """<!DOCTYPE html><html><body><pre id="result">running</pre><script>
const PAGES = %s;
async function main() {
  const bad = [], links = new Map(); let images = 0;
  for (const p of PAGES) {
    const f = document.createElement('iframe');
    const loaded = new Promise(r => f.onload = r);
    f.src = p; document.body.appendChild(f); await loaded;
    const d = f.contentDocument;
    for (const img of d.images) {
      await img.decode().catch(() => {});
      if (img.complete && img.naturalWidth > 0) images++;
      else bad.push('image ' + p + ' ' + img.getAttribute('src'));
    }
    for (const a of d.querySelectorAll('a[href]')) {
      const u = new URL(a.getAttribute('href'), f.contentWindow.location.href);
      if (u.origin !== location.origin) continue;
      links.set(u.href, p);
    }
    f.remove();
  }
  const docs = new Map();
  for (const [href, from] of links) {
    const u = new URL(href), base = u.origin + u.pathname;
    if (!docs.has(base)) {
      const r = await fetch(base);
      docs.set(base, r.ok ? new DOMParser().parseFromString(await r.text(), 'text/html') : null);
    }
    const d = docs.get(base);
    if (!d) bad.push('link ' + from + ' ' + href);
    else if (u.hash && !d.getElementById(decodeURIComponent(u.hash.slice(1))))
      bad.push('anchor ' + from + ' ' + href);
  }
  document.getElementById('result').textContent =
    JSON.stringify({pages: PAGES.length, images, links: links.size, bad});
}
main().catch(e => document.getElementById('result').textContent = JSON.stringify({error: String(e)}));
</script></body></html>
"""


def chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return name
    pytest.skip("requires chromium (Debian package chromium; scripts/deps.sh installs it)")


@pytest.fixture(scope="module")
def browser_report(site, tmp_path_factory):
    exe = chromium()
    out, _ = site
    probe = (PROBE % json.dumps(["/" + p for p in pages(out)])).encode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/__probe.html":
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(probe)))
                self.end_headers()
                self.wfile.write(probe)
            else:
                super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=out))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        profile = tmp_path_factory.mktemp("chromium-profile")
        r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            f"--user-data-dir={profile}", "--virtual-time-budget=120000", "--dump-dom",
                            f"http://127.0.0.1:{server.server_address[1]}/__probe.html"],
                           capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)
    finally:
        server.shutdown()
        server.server_close()
    m = re.search(r'<pre id="result">(.*?)</pre>', r.stdout, re.S)
    assert m, f"chromium printed no result (exit {r.returncode}): {r.stderr[-500:]}"
    return json.loads(html.unescape(m.group(1)))


def test_browser_loads_every_page_and_every_link_resolves(site, browser_report):
    out, _ = site
    assert "error" not in browser_report, browser_report
    assert browser_report["pages"] == len(pages(out))
    assert browser_report["links"] > browser_report["pages"]      # the navigation bars at least
    assert [b for b in browser_report["bad"] if not b.startswith("image")] == []


def test_browser_renders_every_figure(browser_report):
    assert [b for b in browser_report["bad"] if b.startswith("image")] == []
    assert browser_report["images"] >= len(figure_refs())
