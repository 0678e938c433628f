"""The guest ABI is written twice: vmm/abi.h for kvmlab, payloads/lib/*.inc for
the nasm guests (docs/guest-abi.md).  Every constant both define must have the
same value in both: a port, a GPA, a memctl request or status, a header flag.
Neither file is generated from the other (nasm cannot read C), so this test is
what keeps them one list."""
import glob
import os
import re

import pytest

from conftest import ROOT

pytestmark = pytest.mark.build_independent

SAFE = re.compile(r"^[0-9A-Za-z_xX()<>|&+\-* ~]+$")


def evaluate(expr, known):
    """The value of a constant expression of numbers, known names and C/nasm
    operators, or None (a string, a macro with arguments, a register)."""
    expr = re.sub(r"\b(0[xX][0-9A-Fa-f]+|\d+)[UuLl]+\b", r"\1", expr.strip())
    expr = re.sub(r"\b([0-9][0-9A-Fa-f]*)h\b", r"0x\1", expr)            # nasm's 0FFh
    if not expr or not SAFE.match(expr):
        return None
    for name in set(re.findall(r"\b[A-Za-z_]\w*\b", expr)):
        if name not in known:
            return None
        expr = re.sub(rf"\b{name}\b", str(known[name]), expr)
    try:
        return int(eval(expr, {"__builtins__": {}}))   # digits and operators only, checked above
    except (SyntaxError, TypeError, ZeroDivisionError):
        return None


def c_constants():
    known = {}
    text = re.sub(r"/\*.*?\*/", "", open(os.path.join(ROOT, "vmm", "abi.h")).read(), flags=re.S)
    text = text.replace("\\\n", " ")
    for line in text.splitlines():
        m = re.match(r"\s*#define\s+(\w+)\s+(.+)$", line) or re.match(r"\s*(\w+)\s*=\s*([^,]+),?\s*$", line)
        if m:
            v = evaluate(m.group(2), known)
            if v is not None:
                known[m.group(1)] = v
    return known


def nasm_constants():
    out = []
    for path in sorted(glob.glob(os.path.join(ROOT, "payloads", "lib", "*.inc"))):
        known = {}
        for n, line in enumerate(open(path), 1):
            m = re.match(r"\s*%(?:x?i?define|assign)\s+(\w+)\s+([^;]+)", line) or \
                re.match(r"\s*(\w+)\s+equ\s+([^;]+)", line)
            if m:
                v = evaluate(m.group(2), known)
                if v is not None:
                    known[m.group(1)] = v
                    out.append((f"{os.path.basename(path)}:{n}", m.group(1), v))
    return out


def test_every_constant_in_both_has_one_value():
    c = c_constants()
    shared = [(where, name, v) for where, name, v in nasm_constants() if name in c]
    # The two halves of the ABI do overlap (ports, GPAs, memctl, header flags):
    # a parser that found none would make this test pass for nothing.
    assert len(shared) >= 60, shared
    assert [(where, name, v, c[name]) for where, name, v in shared if v != c[name]] == []


def test_memctl_requests_and_statuses_are_all_in_the_guest_library():
    c = c_constants()
    nasm = {name for _, name, _ in nasm_constants()}
    memctl = {n for n in c if re.match(r"MEMCTL_(?!OP_MASK|ARG_SHIFT|STATUS_LAST|EBADOP|EHOST)", n)}
    assert memctl - nasm == set()
