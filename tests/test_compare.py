"""scripts/compare and scripts/junit2ktap: what `make regress` results say
changed between two runs (README.md, "Regression runs").

The result folders here are synthetic and small, written by the test, so
each expectation names the change that causes it.  compare parses untrusted
files: broken, truncated and wrongly typed inputs must end in one line on
stderr and exit code 2, never a traceback.
"""
import importlib.machinery
import importlib.util
import json
import math
import os
import subprocess
import xml.sax.saxutils

import pytest

from conftest import BUILD, ROOT

COMPARE = os.path.join(ROOT, "scripts", "compare")
JUNIT2KTAP = os.path.join(ROOT, "scripts", "junit2ktap")


def load_script(path, name):
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


cmp = load_script(COMPARE, "kvmlab_compare")

# The scripts only (test_unit_tests_print_valid_ktap runs build/unit-tests, and the
# instrumented pass runs its own unit tests as a stage of make test).
pytestmark = pytest.mark.build_independent


# ---- writing a synthetic results folder ----

def ktap(suites):
    """KTAP as build/unit-tests prints it: {suite: [(test, "ok"/"not ok")]}."""
    out = ["KTAP version 1", f"1..{len(suites)}"]
    for i, (suite, tests) in enumerate(suites.items(), start=1):
        out += ["  KTAP version 1", f"  # Subtest: {suite}", f"  1..{len(tests)}"]
        out += [f"  {res} {n} {t}" for n, (t, res) in enumerate(tests, start=1)]
        out.append(f"{'not ok' if any(r != 'ok' for _, r in tests) else 'ok'} {i} {suite}")
    return "\n".join(out) + "\n"


def junit(cases):
    """pytest-style JUnit XML: [(classname, name, kind)], kind pass/fail/skip/xfail/error."""
    body = []
    for cls, name, kind in cases:
        inner = {"pass": "", "fail": '<failure message="assert 1 == 2">trace</failure>',
                 "error": '<error message="fixture broke">trace</error>',
                 "skip": '<skipped type="pytest.skip" message="requires KVM_CAP_X">why</skipped>',
                 "xfail": '<skipped type="pytest.xfail" message="known host bug"/>'}[kind]
        body.append(f'<testcase classname={xml.sax.saxutils.quoteattr(cls)} '
                    f'name={xml.sax.saxutils.quoteattr(name)} time="0.1">{inner}</testcase>')
    return ('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" '
            f'tests="{len(cases)}">' + "".join(body) + "</testsuite></testsuites>")


def probe(ins, cpl, outcome, expected):
    return {"id": 0, "instruction": ins, "cpl": cpl, "outcome": outcome,
            "expected": expected, "differs": outcome != expected}


def case(name, samples, status="ok"):
    return {"name": name, "status": status, "cycles_per_op_samples": samples}


def write(folder, info, unit, tests, probes, cases):
    os.makedirs(folder, exist_ok=True)
    files = {"info.json": json.dumps(info), "unit.ktap": ktap(unit), "pytest.xml": junit(tests),
             "sensitive.json": json.dumps({"command": "sensitive", "probes": probes}),
             "bench.json": json.dumps({"command": "bench", "cases": cases})}
    for name, text in files.items():
        with open(os.path.join(folder, name), "w") as f:
            f.write(text)
    return str(folder)


INFO = {"command": "info", "host": {"backend": "backend-a", "paging": "paging-a"},
        "capabilities": {"IRQCHIP": True, "X86_MSR_FILTER": True}}
UNIT = {"parse": [("t_a", "ok"), ("t_b", "ok")]}
TESTS = [("tests.test_x", "test_a", "pass"), ("tests.test_x", "test_b", "fail"),
         ("tests.test_x", "test_gone", "pass")]
PROBES = [probe("sgdt", 3, "exit:INTERNAL_ERROR", "ran"), probe("cpuid", 3, "ran", "ran")]
STEADY = [1000.0 + (i * 7) % 10 for i in range(10)]
CASES = [case("cpuid", STEADY), case("pio-out", STEADY), case("hlt", [900.0 + i for i in range(10)])]


def run(*args):
    r = subprocess.run([COMPARE, *args], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in r.stderr, r.stderr
    return r


@pytest.fixture
def old(tmp_path):
    return write(tmp_path / "old", INFO, UNIT, TESTS, PROBES, CASES)


# ---- the rank test, against hand-computed values ----

def test_mann_whitney_separated_samples():
    # U = 0; var = 5*5/12 * 11; z = (12.5 - 0.5) / sqrt(var) = 2.5067; p = erfc(z / sqrt 2)
    u, p = cmp.mann_whitney([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert u == 0
    assert math.isclose(p, 0.012186, abs_tol=1e-5)


def test_mann_whitney_ties_average_ranks_and_shrink_the_variance():
    # ranks 1 | 3 3 3 | 6 6 6 | 8: R_a = 13, U_a = 3; sum(t^3 - t) = 48;
    # var = 16/12 * (9 - 48/56) = 10.857; z = (5 - 0.5) / 3.2950 = 1.3657; p = 0.1720
    u, p = cmp.mann_whitney([1, 2, 2, 3], [2, 3, 3, 4])
    assert u == 3
    assert math.isclose(p, 0.17204, abs_tol=1e-4)


def test_mann_whitney_identical_samples_never_move():
    assert cmp.mann_whitney([5.0] * 8, [5.0] * 8) == (32.0, 1.0)


def test_holm_is_monotone_and_scaled():
    assert cmp.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


# ---- the report ----

def test_same_results_twice_is_no_regression(old):
    r = run(old, old)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 pass->fail" in r.stdout
    assert "sensitive: 2 probes, 0 outcomes changed, 0 unexplained" in r.stdout
    assert "bench: 3 cases tested" in r.stdout and "0 moved beyond noise" in r.stdout
    assert r.stdout.rstrip().endswith("compare: 0 regressions")


def test_every_kind_of_change_is_reported(old, tmp_path):
    unit = {"parse": [("t_a", "not ok"), ("t_b", "ok"), ("t_c", "ok")]}
    tests = [("tests.test_x", "test_a", "pass"), ("tests.test_x", "test_b", "pass"),
             ("tests.test_x", "test_new", "skip")]
    probes = [probe("sgdt", 3, "#GP(0)", "ran"), probe("cpuid", 3, "ran", "ran")]
    cases = [case("cpuid", [1500.0 + x - 1000 for x in STEADY]),     # every sample +500
             case("pio-out", list(reversed(STEADY))),                 # same values: noise
             case("hlt", [700.0 + i for i in range(10)])]              # cheaper
    new = write(tmp_path / "new", INFO, unit, tests, probes, cases)
    r = run(old, new)
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout
    assert "pass->fail: unit:parse.t_a (pass -> fail)" in out
    assert "fail->pass: tests.test_x::test_b" in out
    assert "new: unit:parse.t_c (pass)" in out and "new: tests.test_x::test_new (skip)" in out
    assert "gone: tests.test_x::test_gone (was pass)" in out
    # No host fact changed, so the changed outcome is unexplained.
    assert "sgdt at CPL 3: exit:INTERNAL_ERROR -> #GP(0) (catalogue expects ran); " \
           "UNEXPLAINED: no host fact changed" in out
    assert "cpuid: SLOWER (regression): median 1004 -> 1504 cycles/op, shift +500, r = +1.00, U = 0.0" in out
    assert "hlt: faster" in out
    assert "pio-out" not in out
    # 1 test pass->fail + 1 unexplained probe + 1 slower bench case.
    assert out.rstrip().endswith("compare: 3 regressions")


def test_a_changed_fact_explains_a_changed_outcome(old, tmp_path):
    info = dict(INFO, capabilities={"IRQCHIP": True, "X86_MSR_FILTER": False})
    probes = [probe("sgdt", 3, "ran", "ran"), probe("cpuid", 3, "ran", "ran")]
    new = write(tmp_path / "new", info, UNIT, TESTS, probes, CASES)
    r = run(old, new)
    assert r.returncode == 0, r.stdout
    assert "fact capabilities.X86_MSR_FILTER: true -> false" in r.stdout
    assert "sgdt at CPL 3: exit:INTERNAL_ERROR -> ran (matches the catalogue's expectation); " \
           "facts changed: capabilities.X86_MSR_FILTER" in r.stdout


def fact(value, source="probe"):
    return {"value": value, "source": source}


def test_the_facts_object_is_used_when_present(old, tmp_path):
    facts = {"vendor": fact("vendor-a"), "kernel": fact("6.18"), "kernel.version": fact("#1 SMP")}
    a = write(tmp_path / "a", dict(INFO, facts=facts), UNIT, TESTS, PROBES, CASES)
    # host and the kernel differ, the facts that explain do not: the kernel is what is compared.
    newer = dict(facts, **{"kernel": fact("6.19"), "kernel.version": fact("#2 SMP"),
                           "vendor": fact("vendor-a", source="cpuid")})
    b = write(tmp_path / "b", dict(INFO, host={"backend": "x"}, facts=newer),
              UNIT, TESTS, [probe("sgdt", 3, "ran", "ran"), PROBES[1]], CASES)
    r = run(a, b)
    assert r.returncode == 1 and "UNEXPLAINED" in r.stdout
    assert "  fact " not in r.stdout
    # A fact that changed its value explains the change.
    c = write(tmp_path / "c", dict(INFO, facts=dict(newer, umip=fact(False))),
              UNIT, TESTS, [probe("sgdt", 3, "ran", "ran"), PROBES[1]], CASES)
    r = run(a, c)
    assert r.returncode == 0, r.stdout
    assert "fact facts.umip: (absent) -> false" in r.stdout


def test_too_few_samples_are_not_tested(old, tmp_path):
    cases = [case("cpuid", [1.0, 2.0]), CASES[1], CASES[2]]
    new = write(tmp_path / "new", INFO, UNIT, TESTS, PROBES, cases)
    r = run(old, new)
    assert r.returncode == 0
    assert "cpuid: not tested (10 and 2 samples; needs 5 each: kvmlab bench --repeat)" in r.stdout


def test_a_file_in_one_folder_only_is_named(old, tmp_path):
    new = write(tmp_path / "new", INFO, UNIT, TESTS, PROBES, CASES)
    os.unlink(os.path.join(new, "bench.json"))
    r = run(old, new)
    assert r.returncode == 0 and "bench.json: only in OLD; not compared" in r.stdout


# ---- usage and broken input ----

@pytest.mark.parametrize("args", [[], ["one"], ["a", "b", "c"], ["--alpha"], ["--alpha", "2", "a", "b"],
                                  ["--bogus", "a"]])
def test_usage_errors_exit_2(args):
    r = run(*args)
    assert r.returncode == 2 and r.stderr.startswith("compare: ")


def test_not_a_results_folder(tmp_path):
    r = run(str(tmp_path), str(tmp_path / "missing"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"compare: {tmp_path}: not a results folder " \
                               "(none of info.json, unit.ktap, pytest.xml, sensitive.json, bench.json)"


def broken_versions(name, text):
    """Truncations at many points, garbage and wrong shapes of one file."""
    cut_until = len(text.rstrip())
    if name == "unit.ktap":            # a cut inside the last line can still be valid KTAP
        cut_until = text.rstrip().rfind("\n")
    for i in range(0, cut_until, max(1, cut_until // 25)):
        yield f"cut at {i}", text[:i].encode()
    yield "empty", b""
    yield "not UTF-8", b"\xff\xfe\x00garbage"
    yield "binary", bytes(range(256))
    if name.endswith(".json"):
        yield "deep", b"[" * 100000
        yield "array", b"[1, 2]"
        yield "wrong types", json.dumps({"probes": [{"instruction": 1}], "cases": [{"name": 3}]}).encode()
        yield "NaN sample", json.dumps({"probes": "x", "cases": [case("c", [float("nan")])]}).encode()
    if name == "pytest.xml":
        yield "other XML", b"<html><body/></html>"
        yield "entity", b'<!DOCTYPE t [<!ENTITY a "aaaa">]><testsuites><testcase name="&a;&b;"/></testsuites>'
    if name == "unit.ktap":
        yield "no plan", b"KTAP version 1\nok 1 a\n"
        yield "unindented subtest", b"KTAP version 1\n1..1\nKTAP version 1\n1..1\nok 1 a\nok 1 b\n"


@pytest.mark.parametrize("name", ["info.json", "unit.ktap", "pytest.xml", "sensitive.json", "bench.json"])
def test_broken_files_give_one_line_and_exit_2(old, tmp_path, name, capsys):
    with open(os.path.join(old, name)) as f:
        good = f.read()
    new = tmp_path / "broken"
    for what, data in broken_versions(name, good):
        write(new, INFO, UNIT, TESTS, PROBES, CASES)
        with open(new / name, "wb") as f:
            f.write(data)
        code = cmp.main([old, str(new)])       # in-process: one interpreter for all variants
        captured = capsys.readouterr()
        assert code == 2, f"{name} {what}: exit {code}\n{captured.out}"
        lines = captured.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"compare: {new}/{name}"), (what, captured.err)
    # And once through the real process: exit status and stderr as a script user sees them.
    r = run(old, str(new))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1


# ---- KTAP of both suites ----

def test_junit_to_ktap_keeps_every_status(tmp_path):
    cases = [("tests.test_a", "test_1", "pass"), ("tests.test_a", "test_2[x#y]", "fail"),
             ("tests.test_b", "test_3", "skip"), ("tests.test_b", "test_4", "xfail"),
             ("tests.test_b", "test_5", "error")]
    src = tmp_path / "pytest.xml"
    src.write_text(junit(cases))
    r = subprocess.run([JUNIT2KTAP, str(src)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("KTAP version 1\n1..2\n  KTAP version 1\n  # Subtest: tests.test_a\n  1..2\n")
    assert "  # assert 1 == 2\n  not ok 2 test_2[x_y]\n" in r.stdout
    assert "  ok 1 test_3 # SKIP requires KVM_CAP_X\n" in r.stdout
    assert "  ok 2 test_4 # XFAIL known host bug\n" in r.stdout
    assert "  not ok 3 test_5 # ERROR fixture broke\n" in r.stdout
    out = tmp_path / "pytest.ktap"
    out.write_text(r.stdout)
    assert cmp.parse_ktap(str(out)) == {
        "tests.test_a.test_1": "pass", "tests.test_a.test_2[x_y]": "fail",
        "tests.test_b.test_3": "skip", "tests.test_b.test_4": "pass", "tests.test_b.test_5": "fail"}
    assert cmp.parse_junit(str(src)) == {
        "tests.test_a::test_1": "pass", "tests.test_a::test_2[x#y]": "fail",
        "tests.test_b::test_3": "skip", "tests.test_b::test_4": "pass", "tests.test_b::test_5": "fail"}


def test_junit2ktap_refuses_broken_xml(tmp_path):
    src = tmp_path / "pytest.xml"
    src.write_text(junit([("a", "b", "pass")])[:-20])
    r = subprocess.run([JUNIT2KTAP, str(src)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr


def test_unit_tests_print_valid_ktap(tmp_path):
    """build/unit-tests: one KTAP document, every suite's plan met, totals that agree."""
    unit = os.path.join(BUILD, "unit-tests")
    assert os.path.exists(unit), f"{unit} not built (run make)"
    r = subprocess.run([unit], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:]
    out = tmp_path / "unit.ktap"
    out.write_text(r.stdout)
    results = cmp.parse_ktap(str(out))              # raises on a broken plan or nesting
    totals = [line for line in r.stdout.splitlines() if line.startswith("# totals: ")]
    assert totals == [f"# totals: pass:{len(results)} fail:0 skip:0"]
    suites = {name.split(".")[0] for name in results}
    # The former unit-bench and unit-io binaries' suites run in the one harness.
    assert {"bench", "io-virtqueue", "io-uart", "io-virtio-mmio", "io-virtio-blk", "exit"} <= suites
