"""The lab guide is tested like code: every command runs, every lab follows
the template, the course map and the concept map point only at real labs.

A lab command is a `$ ` line of a ```console block (labs/README.md, "Writing
a lab"); it runs from the repository root with `build/` mapped to
KVMLAB_BUILD, and must exit with the code of its `# exit N` comment (default
0).  What a lab claims about the output is asserted by tests/test_lab_*.py
and the area tests.
"""
import os
import re

import pytest

import labtools as L

LAB_FILES = L.lab_files()
ALL_MD = LAB_FILES + [os.path.join(L.LABS, "README.md")]
COMMANDS = [(os.path.basename(p), n, cmd, code)
            for p in ALL_MD for n, cmd, code in L.parse_commands(L.read(p))]

README = L.read(os.path.join(L.LABS, "README.md"))
CONCEPTS = L.read(os.path.join(L.DOCS, "concepts.md"))
PENDING_BLOCK = re.compile(r"<!--\s*PENDING-LAB\s+labs/(\S+\.md)(.*?)-->", re.S)
PENDING = {m.group(1): m.group(2) for m in PENDING_BLOCK.finditer(README)}
CJK = re.compile(r"[\u4e00-\u9fff]")


def lab_name(p):
    return os.path.basename(p)


# ---- the command format itself ----

def test_console_parser_reads_commands_exit_codes_and_skips_output():
    text = "\n".join([
        "```console",
        "$ build/kvmlab run hello-long",
        "Hello from long mode!",
        "$ build/kvmlab run loop-forever --timeout 1  # exit 4",
        "```",
        "```",
        "$ not a console block",
        "```",
    ])
    assert L.parse_commands(text) == [
        (2, "build/kvmlab run hello-long", 0),
        (4, "build/kvmlab run loop-forever --timeout 1", 4),
    ]


def test_build_prefix_follows_kvmlab_build():
    assert L.map_build("build/kvmlab run x > build/out", "build/cov") == \
        "build/cov/kvmlab run x > build/cov/out"
    # Only a path that starts with build/ moves; other paths stay.
    assert L.map_build("cat payloads/build/x; ls ./build/", "b") == "cat payloads/build/x; ls ./build/"


# ---- every command of every lab ----

@pytest.mark.parametrize("lab,line,cmd,code", COMMANDS,
                         ids=[f"{c[0]}:{c[1]}" for c in COMMANDS])
def test_lab_command_exits_as_documented(kvm, require, lab, line, cmd, code):
    need = L.command_requirements(cmd, code)
    for tool in need["tools"]:
        require(tool=tool)
    require(cpus=need["cpus"], ktrace=need.get("ktrace", False))
    r = L.run_command(cmd)
    assert r.returncode == code, (
        f"labs/{lab}:{line}: `{cmd}` exited {r.returncode}, the lab says {code}\n"
        f"stdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")


def test_lab_requirements_are_read_from_the_command():
    assert L.command_requirements("strace -f build/kvmlab run x") == {"tools": ["strace"], "cpus": 1}
    assert L.command_requirements("build/kvmlab run x --vcpus 2 --pin 1,0 & sleep 1") == {"tools": [], "cpus": 2}
    assert L.command_requirements("build/kvmlab run x --pin 0,4000", 2)["cpus"] == 1
    assert L.command_requirements("scripts/plot-bench a b")["tools"] == ["gnuplot"]
    assert L.command_requirements("build/kvmlab run hello-long --ktrace")["ktrace"] is True


# ---- the template ----

@pytest.mark.parametrize("path", LAB_FILES, ids=lab_name)
def test_lab_follows_the_template(path):
    text = L.read(path)
    titles = L.headings(text, 1)
    assert len(titles) == 1, f"{lab_name(path)}: needs exactly one `# Title`, has {titles}"
    assert text.lstrip().startswith("# "), f"{lab_name(path)}: the title comes first"
    found = [h for h in L.headings(text, 2) if h in L.TEMPLATE]
    assert found == L.TEMPLATE, (
        f"{lab_name(path)}: `## ` sections must be {L.TEMPLATE} in this order, found {found}")


@pytest.mark.parametrize("path", LAB_FILES, ids=lab_name)
def test_lab_concepts_name_english_and_chinese_terms(path):
    bullets = [line for line in L.section(L.read(path), "Concepts").splitlines()
               if line.lstrip().startswith(("- ", "* "))]
    assert bullets, f"{lab_name(path)}: ## Concepts has no bullets"
    for b in bullets:
        assert CJK.search(b), f"{lab_name(path)}: concept without a Chinese term: {b!r}"


@pytest.mark.parametrize("path", LAB_FILES, ids=lab_name)
def test_lab_steps_have_commands(path):
    steps = L.section(L.read(path), "Steps")
    assert L.parse_commands(steps), f"{lab_name(path)}: ## Steps has no ```console command"


@pytest.mark.parametrize("path", LAB_FILES, ids=lab_name)
def test_lab_labels_which_host_its_numbers_come_from(path):
    """Numbers differ between a PVM host and a VMX/SVM host: say which is which."""
    seen = L.section(L.read(path), "What you should see")
    assert "PVM" in seen, f"{lab_name(path)}: ## What you should see never names the PVM host"
    assert "VMX" in seen or "SVM" in seen, \
        f"{lab_name(path)}: ## What you should see says nothing about a VMX/SVM host"


# ---- the course map (labs/README.md) ----

def listed_labs():
    return {t for t in L.links(L.strip_comments(README)) if "/" not in t}


def test_every_lab_is_in_the_course_map():
    missing = [lab_name(p) for p in LAB_FILES if lab_name(p) not in listed_labs()]
    assert not missing, f"labs/README.md does not list {missing}"


def test_every_lab_in_the_course_map_exists():
    absent = sorted(t for t in listed_labs() if not os.path.exists(os.path.join(L.LABS, t)))
    assert not absent, (f"labs/README.md lists {absent}, which do not exist; "
                        "keep a lab not yet merged inside a <!-- PENDING-LAB labs/NAME.md ... --> block")


def test_pending_labs_are_enabled_once_merged():
    merged = sorted(n for n in PENDING if os.path.exists(os.path.join(L.LABS, n)))
    assert not merged, (f"{merged} exist but are still in a PENDING-LAB block of labs/README.md: "
                        "delete the block's two comment lines to enable them")


def test_pending_blocks_describe_their_own_lab():
    for name, body in PENDING.items():
        assert f"]({name})" in body, f"PENDING-LAB labs/{name}: the block must link {name}"


# ---- the concept map (docs/concepts.md) ----

# Every concept the course material covers (issue 8); each needs a row.
SEED_CONCEPTS = [
    "type 1 hypervisor", "type 2 hypervisor", "full virtualization", "paravirtualization",
    "device passthrough", "kvm.ko", "/dev/kvm", "QEMU", "libvirt", "guest mode", "kernel mode",
    "user mode", "KVM run workflow", "protection rings", "root mode", "sensitive instruction",
    "trap-and-emulate", "VM exit", "VM entry", "GVA", "GPA", "HVA", "HPA", "shadow page table",
    "EPT", "NPT", "huge page", "PIO", "MMIO", "DMA", "full device emulation", "virtio", "vhost",
    "IOMMU", "VT-d", "SR-IOV", "CPU overcommit", "memory overcommit", "KSM", "NUMA", "SMP",
    "vCPU thread", "vCPU pinning", "hotplug", "live migration", "qcow2", "raw",
]


def concept_rows():
    """[(english, chinese, definition, lab cell, payload cell)] of every table row."""
    rows = []
    for _, line in L.outside_fences(L.strip_comments(CONCEPTS)):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) != 5 or set(cells[0]) <= set("-: "):
            continue
        if cells[0] == "English":
            continue
        rows.append(tuple(cells))
    return rows


def test_concept_map_has_a_row_for_every_seed_concept():
    english = " ; ".join(r[0] for r in concept_rows())
    missing = [c for c in SEED_CONCEPTS if c.lower() not in english.lower()]
    assert not missing, f"docs/concepts.md has no row for {missing}"


def test_every_concept_row_is_complete():
    for en, zh, definition, lab, payload in concept_rows():
        assert CJK.search(zh), f"concept {en!r}: Chinese term missing"
        assert len(definition) > 20, f"concept {en!r}: one-line definition missing"
        labs = [t for t in L.links(lab) if t.startswith("../labs/")]
        assert labs, f"concept {en!r}: no lab linked (link the nearest demo)"
        if lab.lower().startswith("none"):
            assert "no payload" in payload.lower(), \
                f"concept {en!r}: no lab demonstrates it, so say why (`No payload: ...`)"


def test_concept_rows_link_only_existing_or_pending_labs():
    bad = set()
    for en, _, _, lab, payload in concept_rows():
        for t in L.links(lab + payload):
            name = os.path.basename(t)
            if t.startswith("../labs/") and not os.path.exists(os.path.join(L.LABS, name)) \
                    and name not in PENDING:
                bad.add((en, t))
    assert not bad, f"docs/concepts.md links labs that neither exist nor are pending: {sorted(bad)}"


def test_concept_payloads_exist():
    """Payloads named in the payload column ("payload `a`, `b`") are ones kvmlab can run."""
    payloads = os.path.join(L.ROOT, L.BUILD_DIR, "payloads")
    for en, _, _, lab, payload in concept_rows():
        if any(os.path.basename(t) in PENDING for t in L.links(lab)):
            continue            # its payloads arrive with the lab
        for group in re.findall(r"payloads?\s+((?:`[^`]+`(?:,\s*|\s+and\s+)?)+)", payload):
            for name in re.findall(r"`([^`]+)`", group):
                assert os.path.exists(os.path.join(payloads, name + ".bin")), \
                    f"concept {en!r}: payload `{name}` is not built"


# ---- links between the pages of the guide ----

def slug(heading):
    """GitHub's (and pandoc gfm's) anchor for a heading."""
    s = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return s.replace(" ", "-")


GUIDE = ALL_MD + [os.path.join(L.DOCS, "concepts.md"), os.path.join(L.DOCS, "glossary.md")]


@pytest.mark.parametrize("path", GUIDE, ids=lambda p: os.path.relpath(p, L.ROOT))
def test_guide_links_resolve(path):
    """Every link to a Markdown page reaches a file (or a lab still pending), and
    every #anchor a heading of that file."""
    text = L.strip_comments(L.read(path))
    for target in re.findall(r"\]\(([^)\s]+\.md(?:#[^)\s]*)?)\)", text):
        page, _, anchor = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), page))
        if not os.path.exists(dest):
            assert os.path.basename(dest) in PENDING and dest.startswith(L.LABS), \
                f"{os.path.relpath(path, L.ROOT)}: link to missing {target}"
            continue
        if anchor:
            dest_text = L.read(dest)
            anchors = {slug(h) for level in (1, 2, 3, 4) for h in L.headings(dest_text, level)}
            assert anchor in anchors, f"{os.path.relpath(path, L.ROOT)}: no heading #{anchor} in {page}"
