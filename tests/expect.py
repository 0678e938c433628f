"""The expectations table (vmm/core/expect.def), parsed and evaluated here on its own.

kvmlab compiles the same file into its binary (vmm/core/expect.c); this module reads
the text independently and evaluates each row's condition over the facts of
`kvmlab info --json`, so the C and Python readings check each other
(tests/test_expect.py compares them row by row).  Tests ask this module what the
host should do; none compares a backend name or a vendor string itself
(tests/test_lint.py).
"""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEF = os.path.join(ROOT, "vmm", "core", "expect.def")
FIELDS = ("id", "area", "cases", "expect", "when", "kind", "reason", "cite", "fixed")
KINDS = {"arch", "pvm", "host-bug", "requirement"}

_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unescape(s):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "0": "\0"}.get(m.group(1), m.group(1)), s)


def _strip_comments(text):
    # Comments may hold quotes; string literals in the table hold no "/*".
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def parse(path=DEF):
    """The rows of expect.def in file order, each a dict of FIELDS."""
    text = _strip_comments(open(path).read())
    rows = []
    for m in re.finditer(r"\bEXPECT\((.*?)\)\s*(?=EXPECT\(|$)", text, flags=re.S):
        body = m.group(1)
        # Adjacent literals concatenate (C); commas separate fields.
        fields, cur, pos = [], None, 0
        for tok in re.finditer(r'"(?:[^"\\]|\\.)*"|,|\S', body):
            t = tok.group(0)
            if t == ",":
                fields.append(cur)
                cur = None
            elif t.startswith('"'):
                cur = (cur or "") + _unescape(t[1:-1])
            else:
                raise ValueError(f"expect.def: unexpected {t!r} in row {body[:60]!r}")
        fields.append(cur)
        if len(fields) != len(FIELDS) or any(f is None for f in fields):
            raise ValueError(f"expect.def: row needs {len(FIELDS)} string fields: {body[:80]!r}")
        rows.append(dict(zip(FIELDS, fields)))
    return rows


def fact_text(v):
    """A fact's value in the form conditions compare against (vmm/core/facts.c facts_value_text)."""
    if v is None:
        return None
    if v is True or v is False:
        return "true" if v else "false"
    return str(v)


def atom_holds(facts, atom):
    """NAME, !NAME, NAME=V, NAME!=V, NAME>=N over facts {name: value}; unknown facts are false."""
    m = re.fullmatch(r"([^!=>]+)(!=|>=|=)(.*)", atom)
    if m:
        name, op, want = m.groups()
        v = facts.get(name)
        if v is None:
            return False
        if op == ">=":
            return type(v) is int and re.fullmatch(r"-?\d+", want) is not None and v >= int(want)
        return (fact_text(v) == want) == (op == "=")
    neg = atom.startswith("!")
    name = atom[1:] if neg else atom
    v = facts.get(name)
    if v is None:
        return False
    return bool(v) != neg


def when_holds(facts, when):
    if when == "*":
        return True
    return all(atom_holds(facts, a.strip()) for a in when.split("&"))


class Row(dict):
    """One row; .value is its expect with "@FACT" resolved against this host."""

    def __init__(self, row, facts):
        super().__init__(row)
        e = row["expect"]
        self.value = facts.get(e[1:]) if e.startswith("@") else e

    @property
    def why(self):
        return f"{self['id']} ({self['kind']}): {self['reason']} [{self['cite']}]"


class Expect:
    """expect(area, case) -> the Row that decides on this host, first match in file order."""

    def __init__(self, facts, rows=None):
        self.facts = facts
        self.rows = parse() if rows is None else rows

    def lookup(self, area, case, kind=None):
        for r in self.rows:
            if r["area"] != area or (kind and r["kind"] != kind):
                continue
            if r["cases"] != "*" and case not in r["cases"].split(","):
                continue
            if when_holds(self.facts, r["when"]):
                return Row(r, self.facts)
        return None

    def __call__(self, area, case):
        r = self.lookup(area, case)
        assert r is not None, f"vmm/core/expect.def has no row for {area}/{case} (every area needs a '*' row)"
        return r

    def value(self, area, case):
        return self(area, case).value

    def xfail_host_bug(self, request, area, case):
        """Marks the running test as a strict xfail when a host-bug row decides (area, case)."""
        r = self(area, case)
        if r["kind"] == "host-bug":
            request.applymarker(pytest.mark.xfail(strict=True, reason=f"{r['id']}: {r['reason']}"))
        return r
