"""docs/glossary.md is the one bilingual glossary: every lab term in English
and Chinese, one chosen Chinese term per concept (aliases named), and a Chinese
index in pinyin order.  There is no pinyin library on the machines, so each
index row carries its own pinyin and the tests check the order against it and
its shape against the term (one syllable per Han character, Latin words kept).
The Chinese labs (labs/zh/) may use only the chosen terms."""
import os
import re

import pytest

import labtools as L

GLOSSARY = L.read(os.path.join(L.DOCS, "glossary.md"))
HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_/.\-]*")
# Terms Chinese course notes use that the labs do not (see "用词约定").
AVOIDED = {"实时迁移": "热迁移", "在线迁移": "热迁移", "陷入模拟": "陷入并模拟",
           "未认领": "无人处理的", "虚拟化标志位": "hypervisor 位", "关机": "关闭状态（shutdown）"}


def table(title_prefix):
    """Rows (lists of cells) of the first table after the heading starting with title_prefix."""
    rows, inside = [], False
    for line in GLOSSARY.splitlines():
        if line.startswith("## "):
            if inside and rows:
                break
            inside = line[3:].startswith(title_prefix)
            continue
        if inside and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set(cells[0]) <= set("-: "):
                rows.append(cells)
    return rows[1:]          # the header row


MAIN = table("Table")
INDEX = table("中文索引")


def test_glossary_tables_are_there():
    assert len(MAIN) > 60 and len(INDEX) >= len(MAIN)


def test_every_term_has_a_chinese_term():
    for en, zh, meaning in MAIN:
        assert HAN.search(zh) or zh in ("QEMU", "virtio", "ioeventfd，irqfd", "vhost"), f"{en}: no Chinese term"


def test_chinese_index_is_in_pinyin_order():
    keys = [r[0] for r in INDEX]
    bad = [(a, b) for a, b in zip(keys, keys[1:]) if a > b]
    assert not bad, f"docs/glossary.md: the Chinese index is out of pinyin order at {bad[:3]}"


@pytest.mark.parametrize("pinyin,zh,en", INDEX, ids=[r[1] for r in INDEX])
def test_index_pinyin_fits_its_term(pinyin, zh, en):
    term = zh.split("→")[0].strip()
    term = re.sub(r"（([A-Za-z][^）]*)）", r" \1", term)      # 关闭状态（shutdown）
    syllables = pinyin.split()
    assert all(re.fullmatch(r"[a-z0-9_/.\-]+", s) for s in syllables), f"{zh}: pinyin {pinyin!r} is not plain lower case"
    latin = [w.lower() for w in LATIN.findall(term)]
    han = HAN.findall(term)
    assert len(syllables) == len(han) + len(latin), \
        f"{zh}: {len(han)} characters and {len(latin)} Latin words, but pinyin {pinyin!r}"
    assert [s for s in syllables if s in latin] == [w for w in latin], f"{zh}: Latin words must stay as written"


def test_every_term_is_in_the_chinese_index():
    indexed = {r[1].split("→")[0].strip() for r in INDEX}
    for en, zh, _ in MAIN:
        first = re.split(r"[，（]", zh)[0].strip()
        assert first in indexed, f"docs/glossary.md: {first} ({en}) is missing from the Chinese index"


def test_term_choices_name_their_aliases():
    choices = table("用词约定")
    chosen = {r[1]: r[2] for r in choices}
    assert "实时迁移" in chosen["热迁移"] and "陷入模拟" in chosen["陷入并模拟"]
    for alias, term in (("实时迁移", "热迁移"), ("在线迁移", "热迁移"), ("陷入模拟", "陷入并模拟")):
        assert any(r[1] == f"{alias} → {term}" for r in INDEX), f"the index must send {alias} to {term}"


ZH_TEXT = [p for p in L.zh_lab_files() + [os.path.join(L.ZH, "README.md")] if os.path.exists(p)] + [
    os.path.join(L.LABS, n) for n in os.listdir(L.LABS) if n.endswith(".md")]


@pytest.mark.parametrize("path", ZH_TEXT, ids=lambda p: os.path.relpath(p, L.ROOT))
def test_labs_use_the_chosen_terms(path):
    text = L.strip_comments(L.read(path))
    for avoided, chosen in AVOIDED.items():
        assert avoided not in text, f"{os.path.relpath(path, L.ROOT)} says {avoided}: the glossary's term is {chosen}"
