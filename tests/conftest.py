"""kvmlab's test driver: build once, run payloads, parse JSON.

Tests are specifications: each names a payload, runs it through the real
binary and asserts the exits, output, end state and exit code it must give.
KVM tests skip (naming the reason) where /dev/kvm is missing or unusable;
tests that need a capability skip naming it (see `require_cap`).
"""
import json
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("KVMLAB_BUILD", "build"))
KVMLAB = os.path.join(BUILD, "kvmlab")
PAYLOADS = os.path.join(BUILD, "payloads")

# The modules that take longest (pytest --durations, summed per file), handed
# out first: pytest-xdist (--dist loadfile) gives files to workers in collection
# order, so a long file collected last (test_sandbox.py) would run alone at the
# end while the other workers idle.  Only the order changes; a module missing here runs after.
LONG_MODULES = ["test_migrate_live", "test_labs_run_0", "test_labs_run_1", "test_labs_run_2",
                "test_labs_render", "test_sandbox", "test_codetrack", "test_migrate_virtio",
                "test_cpu_vcpus", "test_hostile", "test_lab_hello"]


def pytest_collection_modifyitems(items):
    rank = {m: i for i, m in enumerate(LONG_MODULES)}
    items.sort(key=lambda it: rank.get(it.module.__name__.rpartition(".")[2], len(rank)))


def exit_codes():
    """kvmlab's exit codes by name (XC["OK"] == 0), read from kvmlab itself:
    `kvmlab --exit-codes --json`, generated from XC_LIST in vmm/core/core.h."""
    if not os.path.exists(KVMLAB):      # tests use XC while they are collected
        pytest.exit(f"{KVMLAB} missing: run `make` (or `make test`) first", returncode=4)
    out = subprocess.run([KVMLAB, "--exit-codes", "--json"], capture_output=True, text=True,
                         check=True, timeout=30).stdout
    return {e["name"]: e["code"] for e in json.loads(out)["exit_codes"]}


XC = exit_codes()

# Generous bound for one kvmlab process; kvmlab's own --timeout is what a test sets.
PROCESS_TIMEOUT = 120


def kvm_usable():
    """(usable, reason) for /dev/kvm on this machine."""
    if not os.path.exists("/dev/kvm"):
        return False, "/dev/kvm does not exist (no KVM on this machine)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False, "/dev/kvm is not readable and writable by this user (kvm group?)"
    return True, ""


class Result:
    """One kvmlab process: exit code, stdout, stderr and, for --json, the document."""

    def __init__(self, proc, doc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.doc = doc

    # Shortcuts into a `run --json` document (docs/json-schema.md).
    @property
    def end(self):
        return self.doc["result"]["end"]

    @property
    def console(self):
        return self.doc["console"]["text"]

    def exits(self, reason):
        return self.doc["exits"]["by_reason"].get(reason, {}).get("count", 0)

    def port(self, port, direction, size=None):
        """The port-access entries for port/direction (and width, if given)."""
        return [p for p in self.doc["exits"]["ports"]
                if p["port"] == port and p["dir"] == direction
                and (size is None or p["size"] == size)]

    def reports(self, kind=None):
        return [r for r in self.doc["reports"] if kind is None or r["kind"] == kind]

    def report(self, name):
        found = [r for r in self.doc["reports"] if r["name"] == name]
        assert len(found) == 1, f"expected one report named {name!r}, got {found}"
        return found[0]

    def vcpu_stat(self, name):
        stats = self.doc["kvm_stats"]["vcpu"]
        return None if stats is None else stats.get(name)


def run_kvmlab(*args, json_out=False, timeout=PROCESS_TIMEOUT, env=None):
    """Runs build/kvmlab with args; parses stdout as JSON when json_out."""
    full_env = dict(os.environ)
    full_env.setdefault("KVMLAB_PAYLOADS", PAYLOADS)
    if env:
        full_env.update(env)
    proc = subprocess.run([KVMLAB, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=full_env, stdin=subprocess.DEVNULL)
    doc = None
    if json_out and proc.stdout.strip():
        doc = json.loads(proc.stdout)
    return Result(proc, doc)


def payload(name):
    """Path of a built payload: payload('hello-long') or payload('malformed/bad-magic')."""
    path = os.path.join(PAYLOADS, name + ".bin")
    assert os.path.exists(path), f"{path} not built (run make)"
    return path


@pytest.fixture(scope="session", autouse=True)
def built():
    """The suite runs against what `make` built; fail loudly if it is not there."""
    assert os.path.exists(KVMLAB), f"{KVMLAB} missing: run `make` (or `make test`) first"
    return KVMLAB


@pytest.fixture(scope="session")
def kvm():
    ok, why = kvm_usable()
    if not ok:
        pytest.skip(why)
    return True


@pytest.fixture(scope="session")
def host_info(kvm):
    """`kvmlab info --json` once per session: backend, paging, capabilities, calibration."""
    r = run_kvmlab("info", "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    return r.doc


@pytest.fixture
def run(kvm):
    """run(payload_name, *options) -> Result of `kvmlab run --json`."""
    def _run(name, *opts, **kw):
        path = name if os.path.sep in name and os.path.exists(name) else payload(name)
        return run_kvmlab("run", path, "--json", *opts, json_out=True, **kw)
    return _run


@pytest.fixture
def require_cap(host_info):
    """require_cap('IOEVENTFD'): skip, naming the capability, when KVM lacks it."""
    def _req(name):
        if not host_info["capabilities"].get(name):
            pytest.skip(f"requires KVM_CAP_{name}, which this KVM does not report")
    return _req


@pytest.fixture(scope="session")
def facts(host_info):
    """{name: value} of every host fact `kvmlab info --json` probed (None = unknown)."""
    return {k: v["value"] for k, v in host_info["facts"].items()}


@pytest.fixture(scope="session")
def expect(facts):
    """expect(area, case) -> the vmm/core/expect.def row that decides on this host (tests/expect.py)."""
    from expect import Expect
    return Expect(facts)


@pytest.fixture
def require(facts):
    """require(cpus=2, feature='umip', tool='strace', root=True, ktrace=True): skip naming what is missing."""
    def _req(cpus=None, feature=None, tool=None, root=False, ktrace=False):
        if cpus is not None and (facts.get("cpus.usable") or 0) < cpus:
            pytest.skip(f"requires {cpus} usable host CPUs, this host has {facts.get('cpus.usable')}")
        if feature is not None and not facts.get(feature):
            pytest.skip(f"requires host CPU feature {feature}, absent here")
        if tool is not None and not facts.get(f"tool.{tool}"):
            pytest.skip(f"requires the tool {tool} on $PATH")
        if (root or ktrace) and not facts.get("root"):
            pytest.skip("requires root")
        if ktrace and not facts.get("ktrace"):
            pytest.skip("requires tracefs with KVM's events (fact ktrace; docs/ktrace.md)")
    return _req


@pytest.fixture
def emulated(host_info):
    """True when guest instructions run through KVM's emulator (calibration)."""
    return bool(host_info["calibration"] and host_info["calibration"]["emulated"])


def host_fault_slack():
    """Extra host page faults an instrumented build adds to a pass's count.

    A pass's `host_minflt` is the vCPU thread's getrusage count between two
    marks; under ASan/UBSan (+ gcov, `make test`'s build/inst) kvmlab's own
    code touches sanitizer shadow pages and counter pages between the marks,
    a few faults that have nothing to do with the guest.  0 for a normal build.
    """
    return 8 if "ASAN_OPTIONS" in os.environ else 0
