"""Lint: no test decides what to expect from a backend name or a vendor string.

Expectations are data (vmm/core/expect.def, read through tests/expect.py): a test
asks the table what this host should do, and the table's conditions name the
facts.  Only the expectations module and the info test that checks the backend
is one of the known names may spell those names.
"""
import io
import os
import re
import tokenize

from conftest import ROOT

ALLOWED = {"expect.py", "test_core_info.py", "test_lint.py"}
NAMES = {"kvm_intel", "kvm_amd", "kvm_pvm", "intel", "amd", "genuineintel", "authenticamd",
         "hygongenuine"}
# A fact or host key compared with anything written in the test: facts["vendor"] == ...
KEYED = re.compile(r"""\[\s*['"](backend|vendor|cpu\.vendor_string)['"]\s*\]\s*(==|!=|not\s+in|in)\s*[\[('"{]""")


def offences(path):
    found = []
    src = open(path).read()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type != tokenize.STRING:
            continue
        m = re.fullmatch(r"(?i)[rbuf]*('''|\"\"\"|'|\")(.*)\1", tok.string, re.S)
        body = m.group(2) if m else ""
        if body.strip().lower() in NAMES:
            found.append(f"{os.path.basename(path)}:{tok.start[0]}: string {tok.string}")
    for n, line in enumerate(src.splitlines(), 1):
        code = line.split("#", 1)[0]
        if KEYED.search(code):
            found.append(f"{os.path.basename(path)}:{n}: compares {KEYED.search(code).group(1)}")
    return found


def test_no_test_compares_a_backend_or_vendor_name():
    tests = os.path.join(ROOT, "tests")
    bad = []
    for name in sorted(os.listdir(tests)):
        if name.endswith(".py") and name not in ALLOWED:
            bad += offences(os.path.join(tests, name))
    assert not bad, "ask the expectations table (tests/expect.py) instead:\n" + "\n".join(bad)


def test_the_lint_catches_what_it_forbids(tmp_path):
    p = tmp_path / "test_bad.py"
    p.write_text('def test_x(host_info, facts):\n'
                 '    if host_info["host"]["backend"] == "kvm_pvm":\n'
                 '        pass\n'
                 '    assert facts["vendor"] in ("intel",)\n')
    got = offences(str(p))
    assert len(got) == 4, got       # two names, two comparisons
