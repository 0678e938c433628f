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
ZH_FILES = L.zh_lab_files()
ZH_README = os.path.join(L.ZH, "README.md")
ALL_MD = LAB_FILES + [os.path.join(L.LABS, "README.md")]
ALL_ZH = ZH_FILES + ([ZH_README] if os.path.exists(ZH_README) else [])


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


# ---- every command of every lab: tests/labrun.py, run in shards (test_labs_run_*.py) ----

def test_lab_requirements_are_read_from_the_command():
    assert L.command_requirements("strace -f build/kvmlab run x") == {"tools": ["strace"], "cpus": 1}
    assert L.command_requirements("build/kvmlab run x --vcpus 2 --pin 1,0 & sleep 1") == {"tools": [], "cpus": 2}
    assert L.command_requirements("build/kvmlab run x --pin 0,4000", 2)["cpus"] == 1
    assert L.command_requirements("scripts/plot-bench a b")["tools"] == ["gnuplot"]
    assert L.command_requirements("build/kvmlab run hello-long --ktrace")["ktrace"] is True
    assert L.command_requirements("build/kvmlab run net/echo --net")["root"] is True


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


GUIDE = ALL_MD + ALL_ZH + [os.path.join(L.DOCS, "concepts.md"), os.path.join(L.DOCS, "glossary.md")]


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


# ---- sample output (scripts/lab-samples) ----

def test_sample_matcher_reads_keys_not_numbers():
    assert L.sample_key("exits:    23 to kvmlab  IO 22") == ("exits:",)
    assert L.sample_key("kvmlab: setup: create VM   KVM_CREATE_VM  101.3 us") == ("kvmlab:", "setup:")
    shown = ["exits:    23 to kvmlab", "...", "time:     0.4 ms"]
    actual = ["Hello", "exits:    24 to kvmlab", "console: 1 byte", "time:     0.5 ms"]
    assert L.sample_match(shown, actual) == (["exits:    24 to kvmlab", "...", "time:     0.5 ms"], None)
    # Order counts, and a line the command does not print is reported.
    assert L.sample_match(["time: 1", "exits: 2"], actual)[1] == "exits: 2"
    assert L.sample_match(["ended: hlt"], actual)[1] == "ended: hlt"


# ---- what a student has, and what the guide cites ----

GUIDE_TEXT = [os.path.join(L.ROOT, "README.md")] + ALL_MD + ALL_ZH + sorted(
    os.path.join(L.DOCS, f) for f in os.listdir(L.DOCS) if f.endswith(".md"))


@pytest.mark.parametrize("path", GUIDE_TEXT, ids=lambda p: os.path.relpath(p, L.ROOT))
def test_guide_points_only_at_files_students_have(path):
    text = L.read(path)
    for bad in ("HOST.md", "../shared", "shared/HOST"):
        assert bad not in text, f"{os.path.relpath(path, L.ROOT)} refers to {bad}, which is not in the repository"


# Processor initialization is Vol. 3A chapter 10 in the cited edition (325462-080US);
# 9.1.x / 9.8 / 9.9 / Table 9-1 are the numbers of editions before the User
# Interrupts chapter was added.
OLD_SDM_INIT = re.compile(r"SDM[^\n]{0,40}?(?<![\d.])(9\.1\.\d|9\.8|9\.9|Table 9-1)(?![\d])")


@pytest.mark.parametrize("path", GUIDE_TEXT, ids=lambda p: os.path.relpath(p, L.ROOT))
def test_sdm_sections_are_from_one_edition(path):
    text = L.read(path)
    m = OLD_SDM_INIT.search(text)
    assert not m, (f"{os.path.relpath(path, L.ROOT)}: {m.group(0)!r} is an older SDM edition's number; "
                   "labs/README.md cites 325462-080US (processor initialization is chapter 10)")


SDM_SECTION = re.compile(r"SDM([^\n;；。]{0,30}?)(?<![\d.-])(\d+\.\d+(?:\.\d+)*)")


@pytest.mark.parametrize("path", GUIDE_TEXT, ids=lambda p: os.path.relpath(p, L.ROOT))
def test_sdm_sections_name_their_volume(path):
    """A section number is found in one volume of the combined SDM: "Vol. 3A 10.1.4", not "10.1.4"."""
    for m in SDM_SECTION.finditer(L.read(path)):
        assert re.search(r"(Vol\.|卷) ?[1-4][A-D]?\b", m.group(1), re.I), (
            f"{os.path.relpath(path, L.ROOT)}: {m.group(0)!r} does not name its SDM volume")


def test_course_map_names_the_sdm_edition():
    assert "325462-080US" in README, "labs/README.md must name the SDM edition its section numbers are from"


def test_course_map_claims_only_what_it_covers():
    text = L.strip_comments(README)
    assert "every claim a lab makes about output is asserted" not in text
    assert not re.search(r"Xen,\s+Hyper-V\s+and\s+ESXi;", text), \
        "labs/README.md lists Xen/Hyper-V/ESXi as covered; no lab runs them"


# The misconceptions of typical course notes (issue 18), each refuted where it fits:
# lab -> words the box must contain.
# lab -> (words the English box must contain, words the Chinese box must contain).
MISCONCEPTIONS = {
    "hello-kvm.md": (["thread", "Type 1", "smx", "vmx", "svm"], ["线程", "第一类", "smx", "vmx", "svm"]),
    "vcpu-threads.md": (["taskset -p", "one thread"], ["taskset -p", "一个线程"]),
    "trap-and-emulate.md": (["Robin and Irvine", "17"], ["Robin 与 Irvine", "17"]),
    "four-addresses.md": (["GVA → HPA", "GPA → HPA"], ["GVA → HPA", "GPA → HPA"]),
    "shadow-paging-ept.md": (["NPT"], ["NPT"]),
    "pio-mmio-dma.md": (["raw", "sparse"], ["raw", "稀疏"]),
}


def _misconceptions(text):
    m = re.search(r"^### (Common misconceptions|常见误区)\n(.*?)(?=^## |^### |\Z)", text, re.M | re.S)
    return m.group(2) if m else None


@pytest.mark.parametrize("lab", sorted(MISCONCEPTIONS))
def test_common_misconceptions_box(lab):
    for path, words in zip([os.path.join(L.LABS, lab), os.path.join(L.ZH, lab)], MISCONCEPTIONS[lab]):
        if not os.path.exists(path):
            continue
        box = _misconceptions(L.read(path))
        assert box is not None, f"{os.path.relpath(path, L.ROOT)}: no `### Common misconceptions` box"
        assert L.parse_commands(box) or "step" in box or "步骤" in box, \
            f"{os.path.relpath(path, L.ROOT)}: refute the misconception with a command (or point at the step that does)"
        for word in words:
            assert word in box, f"{os.path.relpath(path, L.ROOT)}: the misconceptions box never says {word!r}"


# ---- the Chinese labs (labs/zh/): the same lab, the same commands ----

def zh_of(path):
    return os.path.join(L.ZH, os.path.basename(path))


# English labs merged before their translation (the translation is another issue's
# work); each entry says which.  An entry whose translation exists fails: delete it.
ZH_PENDING = {}


def test_every_lab_has_a_chinese_version():
    done = sorted(n for n in ZH_PENDING if os.path.exists(os.path.join(L.ZH, n)))
    assert not done, f"labs/zh/{done} exist: remove them from ZH_PENDING"
    missing = [lab_name(p) for p in LAB_FILES
               if not os.path.exists(zh_of(p)) and lab_name(p) not in ZH_PENDING]
    assert not missing, f"labs/zh/ has no translation of {missing}"
    extra = [lab_name(p) for p in ZH_FILES if not os.path.exists(os.path.join(L.LABS, lab_name(p)))]
    assert not extra, f"labs/zh/{extra} translate no English lab"


def _pairs():
    return [(p, zh_of(p)) for p in LAB_FILES if os.path.exists(zh_of(p))]


@pytest.mark.parametrize("en,zh", _pairs(), ids=lambda p: lab_name(p))
def test_chinese_lab_follows_the_template(en, zh):
    zt, et = L.read(zh), L.read(en)
    assert len(L.headings(zt, 1)) == 1 and zt.lstrip().startswith("# "), f"zh/{lab_name(zh)}: one `# 标题` first"
    found = [h for h in L.headings(zt, 2) if h in L.TEMPLATE_ZH]
    assert found == L.TEMPLATE_ZH, f"zh/{lab_name(zh)}: `## ` sections must be {L.TEMPLATE_ZH}, found {found}"
    for level in (2, 3):
        assert len(L.headings(zt, level)) == len(L.headings(et, level)), (
            f"zh/{lab_name(zh)}: {len(L.headings(zt, level))} level-{level} headings, "
            f"the English lab has {len(L.headings(et, level))}")


@pytest.mark.parametrize("en,zh", _pairs(), ids=lambda p: lab_name(p))
def test_chinese_lab_has_the_same_commands_in_the_same_order(en, zh):
    """Commands, expected exit codes and their order are the English lab's; the
    commands themselves run once (test_lab_command_exits_as_documented)."""
    ec = [(c, code) for _, c, code in L.parse_commands(L.read(en))]
    zc = [(c, code) for _, c, code in L.parse_commands(L.read(zh))]
    assert zc == ec, f"zh/{lab_name(zh)}: commands differ from labs/{lab_name(en)}"
    es = [(c, [s for _, s in shown]) for c, _, shown in L.sample_blocks(L.read(en))]
    zs = [(c, [s for _, s in shown]) for c, _, shown in L.sample_blocks(L.read(zh))]
    assert [c for c, _ in zs] == [c for c, _ in es], f"zh/{lab_name(zh)}: sample output under other commands"


def _zh_section(text, n):
    """The body of the n-th template section of a Chinese lab."""
    return L.section(text, L.TEMPLATE_ZH[n])


@pytest.mark.parametrize("en,zh", _pairs(), ids=lambda p: lab_name(p))
def test_chinese_lab_concepts_and_host_labels(en, zh):
    zt = L.read(zh)
    concepts = [b for b in _zh_section(zt, 1).splitlines() if b.lstrip().startswith(("- ", "* "))]
    en_concepts = [b for b in L.section(L.read(en), "Concepts").splitlines() if b.lstrip().startswith(("- ", "* "))]
    assert len(concepts) == len(en_concepts), f"zh/{lab_name(zh)}: {len(concepts)} concepts, English {len(en_concepts)}"
    for b in concepts:
        assert CJK.search(b), f"zh/{lab_name(zh)}: concept without Chinese: {b!r}"
    seen = _zh_section(zt, 5)
    assert "PVM" in seen and ("VMX" in seen or "SVM" in seen), \
        f"zh/{lab_name(zh)}: 「你应该看到什么」 must say which numbers are from the PVM host and which from VMX/SVM"
    assert CJK.search(L.strip_comments(zt)), f"zh/{lab_name(zh)} is not in Chinese"


def test_chinese_course_map_lists_every_chinese_lab():
    assert os.path.exists(ZH_README), "labs/zh/README.md (the Chinese course map) is missing"
    listed = {t for t in L.links(L.strip_comments(L.read(ZH_README))) if "/" not in t}
    missing = [lab_name(p) for p in ZH_FILES if lab_name(p) not in listed]
    assert not missing, f"labs/zh/README.md does not list {missing}"
    assert "zh/README.md" in README, "labs/README.md must link the Chinese course map"
    assert "../README.md" in L.read(ZH_README), "labs/zh/README.md must link the English course map"
