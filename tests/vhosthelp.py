"""vhost-user back-ends for the tests: kvmlab's own (build/kvmlab-vhost-blk) and
qemu-storage-daemon.  Each is a context manager that starts the back-end, waits
for its socket, and on leaving kills it and removes the socket and its folder."""
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD

BACKEND = os.path.join(BUILD, "kvmlab-vhost-blk")
SOCKET_WAIT = 10.0      # seconds for a back-end to create its socket (a start-up bound, not a measurement)


def _wait_socket(proc, path):
    deadline = time.monotonic() + SOCKET_WAIT
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise AssertionError(f"the back-end ended before listening: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no socket at {path} after {SOCKET_WAIT} s")
        time.sleep(0.02)


@contextlib.contextmanager
def _backend(argv_for):
    d = tempfile.mkdtemp(prefix="kvmlab-vh", dir="/tmp")     # short: sun_path holds 107 bytes
    sock = os.path.join(d, "blk.sock")
    proc = subprocess.Popen(argv_for(sock, d), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_socket(proc, sock)
        yield proc, sock, d
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stderr.close()
        shutil.rmtree(d, ignore_errors=True)


def own_backend(disk, size="2M", misbehave=None):
    """kvmlab-vhost-blk serving disk; yields (proc, socket, dir); dir/stats.json after it ends."""
    assert os.path.exists(BACKEND), f"{BACKEND} not built (run make)"

    def argv(sock, d):
        a = [BACKEND, "--socket", sock, "--disk", str(disk), "--size", size, "--stats",
             os.path.join(d, "stats.json")]
        return a + (["--misbehave", misbehave] if misbehave else [])
    return _backend(argv)


def require_qsd():
    """Skips, naming the Debian packages, without qemu-storage-daemon and qemu-img."""
    if not shutil.which("qemu-storage-daemon"):
        pytest.skip("requires qemu-storage-daemon (Debian package qemu-system-common; scripts/deps.sh)")
    if not shutil.which("qemu-img"):
        pytest.skip("requires qemu-img (Debian package qemu-utils; scripts/deps.sh)")


def qsd_backend(image, fmt, shared=False):
    """qemu-storage-daemon exporting image (raw or qcow2) as vhost-user-blk.  shared: without
    QEMU's image locking, so that a migration's second daemon can open the same image."""
    def argv(sock, d):
        lock = ",locking=off" if shared else ""
        return ["qemu-storage-daemon",
                "--blockdev", f"driver=file,node-name=file0,filename={image}{lock}",
                "--blockdev", f"driver={fmt},node-name=disk0,file=file0",
                "--export", f"type=vhost-user-blk,id=exp0,node-name=disk0,writable=on,"
                            f"addr.type=unix,addr.path={sock}"]
    return _backend(argv)
