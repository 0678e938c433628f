"""No usable /dev/kvm: exit code 7 and a message that says how to fix it
(issue 2, part 9).  The host is made unusable for one kvmlab process only,
in a private mount namespace or as an unprivileged user; the tests skip,
saying why, where that is not possible (not root, no unshare/setpriv)."""
import os
import shutil
import subprocess

import pytest

from conftest import KVMLAB, XC, payload

NOBODY = "65534"


def need(tool):
    if os.geteuid() != 0:
        pytest.skip("needs root to hide /dev/kvm from one process")
    if not shutil.which(tool):
        pytest.skip(f"needs {tool} (util-linux)")


def in_namespace(script, *args):
    """Runs `sh -c script sh args...` in a private mount namespace."""
    proc = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script,
                           "sh", *args], capture_output=True, text=True, timeout=60,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0 and "unshare" in proc.stderr:
        pytest.skip(f"cannot create a mount namespace here: {proc.stderr.strip()}")
    return proc


def test_missing_dev_kvm_says_load_the_module():
    need("unshare")
    # An empty /dev: open("/dev/kvm") fails with ENOENT.
    p = in_namespace('mount -t tmpfs none /dev && exec "$1" run "$2"', KVMLAB, payload("hello-long"))
    assert p.returncode == XC["HOST"], p.stderr
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1
    assert p.stderr.startswith("kvmlab: /dev/kvm does not exist")
    assert "modprobe" in p.stderr


def test_dev_kvm_that_is_not_kvm(tmp_path):
    need("unshare")
    # A regular file where /dev/kvm should be: KVM_GET_API_VERSION fails.
    fake = tmp_path / "kvm"
    fake.write_bytes(b"")
    p = in_namespace('mount --bind "$3" /dev/kvm && exec "$1" info', KVMLAB, "", str(fake))
    assert p.returncode == XC["HOST"], p.stderr
    assert p.stderr == "kvmlab: KVM_GET_API_VERSION returned -1, kvmlab needs 12\n"


def test_dev_kvm_permission_denied_says_join_the_kvm_group():
    need("setpriv")
    if os.stat("/dev/kvm").st_mode & 0o006:
        pytest.skip("/dev/kvm is world-accessible here: no permission error to provoke")
    p = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                        KVMLAB, "run", payload("hello-long")], capture_output=True, text=True,
                       timeout=60, stdin=subprocess.DEVNULL)
    if "cannot open payload" in p.stderr:
        pytest.skip("the build directory is not readable by an unprivileged user")
    assert p.returncode == XC["HOST"], p.stderr
    # A gcov build (make coverage) adds "profiling: ... Cannot open" lines: an
    # unprivileged process cannot write its .gcda files.  They are not kvmlab's.
    err = "".join(ln for ln in p.stderr.splitlines(True) if not ln.startswith("profiling:"))
    assert err.count("\n") == 1
    assert "permission denied" in err and "kvm group" in err


def test_payload_errors_come_before_host_errors():
    need("unshare")
    # A bad payload is reported as such even on a host without KVM.
    p = in_namespace('mount -t tmpfs none /dev && exec "$1" run "$2"', KVMLAB,
                     payload("malformed/bad-magic"))
    assert p.returncode == XC["PAYLOAD_MAGIC"], p.stderr
