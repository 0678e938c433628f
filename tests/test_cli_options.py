"""The one option table (vmm/cli/opt_table.c) and what is generated or checked
from it: the man page build/kvmlab.1 (make, `kvmlab --man`), the option lists
in README.md, docs/ and labs/, and `make install` with an installed kvmlab
that finds its payloads without the source tree."""
import glob
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, KVMLAB, ROOT, XC, run_kvmlab


def option_table():
    r = run_kvmlab("--options", "--json")
    assert r.code == XC["OK"] and r.err == ""
    doc = json.loads(r.out)
    assert doc["command"] == "options" and type(doc["schema_version"]) is int
    return doc["options"]


def options_by_command():
    by = {}
    for o in option_table():
        for c in o["commands"]:
            by.setdefault(c, set()).add(o["name"])
    return by


def exit_codes():
    r = run_kvmlab("--exit-codes", "--json")
    assert r.code == XC["OK"]
    return json.loads(r.out)["exit_codes"]


# ---- the table itself ----

def test_a_command_sees_each_option_name_once():
    seen = set()
    for o in option_table():
        for c in o["commands"]:
            assert (c, o["name"]) not in seen, f"kvmlab {c}: two rows for --{o['name']}"
            seen.add((c, o["name"]))


def test_every_row_has_one_line_of_help_and_a_metavar_iff_it_takes_a_value():
    for o in option_table():
        assert o["help"] and "\n" not in o["help"], o["name"]
        assert o["commands"], f"--{o['name']} belongs to no command"
        assert (o["metavar"] is None) == (o["arg"] == "none"), o["name"]


def test_every_command_has_help_and_json():
    for cmd, names in options_by_command().items():
        assert {"help", "json"} <= names, cmd


# ---- the man page: make builds it from the table ----

def man_page():
    path = os.path.join(BUILD, "kvmlab.1")
    if not os.path.exists(path):
        pytest.fail(f"{path} is missing: make builds it (kvmlab --man)")
    return open(path).read()


def test_man_page_is_what_kvmlab_man_writes():
    r = run_kvmlab("--man")
    assert r.code == XC["OK"] and r.err == ""
    assert man_page() == r.out, "build/kvmlab.1 is stale: make rebuilds it from kvmlab --man"


def test_man_page_lists_every_option_and_every_exit_code():
    text = man_page()
    for o in option_table():
        assert "\\-\\-" + o["name"].replace("-", "\\-") in text, f"kvmlab.1 lacks --{o['name']}"
    status = text.split(".SH EXIT STATUS", 1)[1].split("\n.SH ", 1)[0]
    codes = [int(c) for c in re.findall(r"^\.B (\d+)$", status, re.M)]
    assert codes == [e["code"] for e in exit_codes()]
    for cmd in options_by_command():
        assert f".SS kvmlab {cmd}\n" in text


def test_man_page_renders():
    if not shutil.which("man"):
        pytest.skip("needs man(1) (package man-db) to render the page")
    r = subprocess.run(["man", "-l", os.path.join(BUILD, "kvmlab.1")], capture_output=True, text=True,
                       env={**os.environ, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "KVMLAB(1)" in r.stdout and "EXIT STATUS" in r.stdout and "--max-exits" in r.stdout
    if shutil.which("groff"):
        w = subprocess.run(["groff", "-man", "-ww", "-z", os.path.join(BUILD, "kvmlab.1")],
                           capture_output=True, text=True, timeout=60)
        assert w.stderr == "", w.stderr         # no roff warnings


# ---- the docs' option lists are checked against the table ----

DOCS = ["README.md"] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + \
    sorted(glob.glob(os.path.join(ROOT, "labs", "*.md"))) + \
    sorted(glob.glob(os.path.join(ROOT, "labs", "zh", "*.md")))
# Not options of a command: kvmlab's top-level flags, and other tools' flags the docs quote.
NOT_COMMAND_OPTIONS = {
    "exit-codes", "version", "options", "man", "machine", "capabilities",  # kvmlab --exit-codes, ... (vmm/cli/main.c)
    "membind",                                      # numactl --membind (docs/concepts.md)
    "update",                                       # git submodule update (docs/backends.md)
    "apparent-size",                                # du --apparent-size (labs/pio-mmio-dma.md)
    "vms", "limit",                                 # scripts/overcommit (labs/overcommit.md)
    # build/kvmlab-vhost-blk's own options (tools/vhost-blk/main.c; docs/io.md, labs/vhost.md)
    "socket", "disk", "size", "stats", "misbehave",
    "env",                                          # scripts/vhost-serve --env NAME (labs/vhost.md)
    "blockdev", "export",                           # qemu-storage-daemon (docs/io.md, labs/vhost.md)
    "backing-chain", "output",                      # qemu-img info --backing-chain, map --output=json
    "template", "build",                            # scripts/check-answers --template, --build (labs/README.md)
}


def doc_text(path):
    return open(os.path.join(ROOT, path)).read()


def test_every_option_the_docs_name_is_in_the_table():
    known = {o["name"] for o in option_table()} | NOT_COMMAND_OPTIONS
    for path in DOCS:
        for name in re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", doc_text(path)):
            assert name in known, f"{os.path.relpath(path, ROOT)} names --{name}, which no command takes"


def test_docs_give_each_command_only_its_own_options():
    by = options_by_command()
    for path in DOCS:
        for n, line in enumerate(doc_text(path).splitlines(), 1):
            for m in re.finditer(r"kvmlab (run|list|info|iobench|trace|bench|sensitive)\b([^`|;&)\n]*)", line):
                for name in re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", m.group(2)):
                    assert name in by[m.group(1)], \
                        f"{os.path.relpath(path, ROOT)}:{n}: kvmlab {m.group(1)} takes no --{name}"


# ---- make install ----

def test_make_install_and_the_installed_kvmlab_finds_its_payloads(kvm, tmp_path):
    dest = tmp_path / "pkg"
    build = os.path.relpath(BUILD, ROOT)
    r = subprocess.run(["make", "--no-print-directory", "-s", "install", f"BUILD={build}", f"DESTDIR={dest}",
                        "PREFIX=/usr"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    exe = dest / "usr" / "bin" / "kvmlab"
    assert os.access(exe, os.X_OK)
    assert (dest / "usr" / "share" / "man" / "man1" / "kvmlab.1").read_text() == man_page()
    assert (dest / "usr" / "share" / "kvmlab" / "payloads" / "hello-long.bin").is_file()
    assert not (dest / "usr" / "share" / "kvmlab" / "payloads" / "malformed").exists()   # test inputs

    # Run from elsewhere, with no KVMLAB_PAYLOADS: the catalogue is found beside bin/.
    env = {k: v for k, v in os.environ.items() if k != "KVMLAB_PAYLOADS"}
    run = subprocess.run([str(exe), "run", "hello-long", "--json"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == XC["OK"], run.stderr
    doc = json.loads(run.stdout)
    assert doc["payload"]["path"] == str(dest / "usr" / "share" / "kvmlab" / "payloads" / "hello-long.bin")
    listed = subprocess.run([str(exe), "list"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == XC["OK"] and "hello-long" in listed.stdout

    r = subprocess.run(["make", "--no-print-directory", "-s", "uninstall", f"BUILD={build}", f"DESTDIR={dest}",
                        "PREFIX=/usr"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert [p for p in dest.rglob("*") if p.is_file()] == []
