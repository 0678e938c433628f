"""The JSON documents have the documented shape (vmm/report/report_json.c,
vmm/cli/cmd_info.c, vmm/cli/cmd_list.c): every required key present with its type,
in every section, for runs that end in each of the ways a run can end.

Extra keys are allowed (later issues add fields; schema_version changes
only when a meaning changes); missing keys and wrong types are not.
"""
import pytest

from conftest import payload, run_kvmlab


# ---- a small schema checker ---------------------------------------------------

class Int:          # a JSON integer (not a boolean)
    pass


class Num:          # integer or float
    pass


NULL = None


class DictOf:       # {any key: spec}
    def __init__(self, spec, key_pattern=None):
        self.spec, self.key_pattern = spec, key_pattern


class ListOf:
    def __init__(self, spec):
        self.spec = spec


class OneOf:        # any of the specs (e.g. OneOf(Int, NULL))
    def __init__(self, *specs):
        self.specs = specs


def errors(doc, spec, path="$"):
    """Every mismatch between doc and spec, as 'path: problem' strings."""
    if isinstance(spec, OneOf):
        for s in spec.specs:
            if not errors(doc, s, path):
                return []
        return [f"{path}: {doc!r} matches none of the allowed types"]
    if spec is NULL:
        return [] if doc is None else [f"{path}: expected null, got {doc!r}"]
    if spec is Int:
        return [] if type(doc) is int else [f"{path}: expected integer, got {doc!r}"]
    if spec is Num:
        return [] if type(doc) in (int, float) else [f"{path}: expected number, got {doc!r}"]
    if spec in (str, bool):
        return [] if type(doc) is spec else [f"{path}: expected {spec.__name__}, got {doc!r}"]
    if isinstance(spec, ListOf):
        if type(doc) is not list:
            return [f"{path}: expected array, got {doc!r}"]
        return [e for i, item in enumerate(doc) for e in errors(item, spec.spec, f"{path}[{i}]")]
    if isinstance(spec, DictOf):
        if type(doc) is not dict:
            return [f"{path}: expected object, got {doc!r}"]
        out = [e for k, v in doc.items() for e in errors(v, spec.spec, f"{path}.{k}")]
        if spec.key_pattern:
            out += [f"{path}: bad key {k!r}" for k in doc if not spec.key_pattern(k)]
        return out
    if isinstance(spec, dict):
        if type(doc) is not dict:
            return [f"{path}: expected object, got {doc!r}"]
        out = [f"{path}: missing key {k!r}" for k in spec if k not in doc]
        return out + [e for k, s in spec.items() if k in doc for e in errors(doc[k], s, f"{path}.{k}")]
    if isinstance(spec, set):            # an enumeration of strings
        return [] if doc in spec else [f"{path}: {doc!r} not one of {sorted(spec)}"]
    raise TypeError(f"bad spec at {path}: {spec!r}")


def test_the_checker_finds_problems():
    spec = {"a": Int, "b": OneOf(str, NULL), "c": ListOf({"x": bool}), "d": {"ok"}}
    assert errors({"a": 1, "b": None, "c": [{"x": True}], "d": "ok"}, spec) == []
    assert errors({"a": True, "b": 3, "c": [{}], "d": "no"}, spec) == [
        "$.a: expected integer, got True",
        "$.b: 3 matches none of the allowed types",
        "$.c[0]: missing key 'x'",
        "$.d: 'no' not one of ['ok']",
    ]
    assert errors({}, spec)[0] == "$: missing key 'a'"


# ---- the documents ------------------------------------------------------------

MODES = {"real", "protected", "long"}
ENDS = {"hlt", "exit_port", "check_failed", "shutdown", "internal_error", "entry_failure",
        "unhandled_exit", "protocol_error", "timeout", "exit_limit", "host_error"}

HOST = {
    "backend": str,                 # its value set: test_core_info.py (BACKENDS)
    "paging": {"ept", "npt", "shadow", "unknown"},
    "tdp": bool, "host_is_guest": bool, "cpu_model": str, "kernel": str, "api_version": Int,
}

EXIT_COUNTER = {
    "count": Int, "cycles_min": Int, "cycles_mean": Int, "cycles_max": Int,
    "ns_mean": OneOf(Num, NULL),
    "histogram_log2": DictOf(Int, key_pattern=lambda k: k.isdigit() and int(k) < 64),
}


def access(addr):
    return {addr: Int, addr + "_hex": str, "dir": {"in", "out", "read", "write"}, "size": Int,
            "exits": Int, "elements": Int, "claimed": bool, "device": OneOf(str, NULL)}


REGISTERS = dict({"mode": MODES}, **{r: Int for r in (
    "rax rbx rcx rdx rsi rdi rsp rbp r8 r9 r10 r11 r12 r13 r14 r15 rip rflags "
    "cr0 cr2 cr3 cr4 cr8 efer cs cs_base ds ss").split()})

RUN = {
    "schema_version": Int,
    "kvmlab_version": str,
    "command": {"run"},
    "payload": {"path": str, "name": str, "description": str, "mode": MODES,
                "load_addr": Int, "entry": Int, "size": Int},
    "host": HOST,
    "tsc_khz": OneOf(Int, NULL),
    "config": {"mem": Int, "timeout": Num, "max_exits": Int},
    "result": {"end": ENDS, "exit_code": Int, "detail": str, "exit_status": OneOf(Int, NULL),
               "rip": OneOf(Int, NULL), "linear_rip": OneOf(Int, NULL),
               "instruction": OneOf(str, NULL), "wall_seconds": Num},
    "console": {"text": str, "bytes": Int, "truncated": bool},
    "exits": {"total": Int, "kvm_run_calls": Int, "eintr": Int, "timing": str,
              "by_reason": DictOf(EXIT_COUNTER), "ports": ListOf(access("port")),
              "ports_overflow": Int, "mmio": ListOf(access("gpa")), "mmio_overflow": Int},
    "reports": ListOf({"kind": {"value", "pass", "fail", "msg"}, "name": str, "value": Int,
                       "rip": Int}),
    "registers": OneOf(REGISTERS, NULL),
    "kvm_stats": {"vcpu": OneOf(DictOf(Int), NULL), "vm": OneOf(DictOf(Int), NULL)},
}

INFO = {
    "schema_version": Int,
    "kvmlab_version": str,
    "command": {"info"},
    "host": HOST,
    "tsc_khz": OneOf(Int, NULL),
    "capabilities": DictOf(Int),
    "calibration": OneOf({"ran": bool, "loop_iterations": Int, "loop_instructions": Int,
                          "insn_emulation": OneOf(Int, NULL), "emulated": bool,
                          "cycles_per_iteration": Num, "note": str}, NULL),
}

LIST = {
    "schema_version": Int,
    "command": {"list"},
    "payloads": ListOf({"name": str, "file": str, "path": str, "mode": MODES, "description": str}),
}

# One run per way of ending that the core payloads reach, plus the busiest documents.
RUNS = {
    "hello-real": (), "hello-long": (), "report": (), "report-fail": (), "exit-status": (),
    "triple-fault": (), "unclaimed-port": (), "unclaimed-mmio": (), "rep-outsb": (),
    "loop-forever": ("--timeout", "0.2"), "hello-prot": ("--max-exits", "3"),
}


@pytest.mark.parametrize("name", RUNS)
def test_run_document_shape(run, name):
    r = run(name, *RUNS[name])
    assert errors(r.doc, RUN) == []
    assert r.doc["schema_version"] == 4
    assert r.doc["result"]["exit_code"] == r.code


def test_run_document_end_kinds_covered(run):
    ends = {run(name, *opts).end for name, opts in RUNS.items()}
    assert ends == {"hlt", "exit_port", "check_failed", "shutdown", "timeout", "exit_limit"}


def test_info_document_shape(host_info):
    assert errors(host_info, INFO) == []


def test_info_no_calibrate_document_shape(kvm):
    r = run_kvmlab("info", "--json", "--no-calibrate", json_out=True)
    assert errors(r.doc, INFO) == []


def test_list_document_shape():
    r = run_kvmlab("list", "--json", json_out=True)
    assert errors(r.doc, LIST) == []


def test_json_is_one_document_on_one_line(kvm):
    # Tools read stdout as a single document: nothing before or after it.
    for args in (("run", payload("hello-long"), "--json"), ("list", "--json"),
                 ("info", "--json", "--no-calibrate")):
        r = run_kvmlab(*args)
        assert r.out.count("\n") == 1 and r.out.endswith("}\n"), args
