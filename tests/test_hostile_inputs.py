"""Hostile files and flags: every one gives one line on stderr and its exit code.

The core tests check one defect per header field (payloads/malformed/); these
go to the extremes: files that are not files, files that never end, values at
2^32 - 1 and 2^64, and every option of every command with bad values.  None
of them needs /dev/kvm: kvmlab refuses before it opens it.
"""
import json
import os
import shutil
import stat
import struct
import subprocess
import tempfile

import pytest

from conftest import KVMLAB, PAYLOADS, XC, Result, run_kvmlab

NOBODY = 65534


def one_line_error(r, code, *words):
    """The contract: exit code, nothing on stdout, one line on stderr with words."""
    assert r.code == code, (r.code, r.err)
    assert r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def header(magic=0x4C4D564B, version=1, hdr_size=64, mode=3, flags=0, load=0x10000,
           entry=64, min_kib=128, desc=0, name=b"hostile"):
    return struct.pack("<IHHB3xIIIII32s", magic, version, hdr_size, mode, flags, load,
                       entry, min_kib, desc, name)


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


HLT = b"\xf4"


# ---- files that are not payloads ----

@pytest.mark.parametrize("size, code", [(0, XC["PAYLOAD_TRUNC"]), (63, XC["PAYLOAD_TRUNC"])])
def test_truncated_files(tmp_path, size, code):
    path = write(tmp_path, "t.bin", header()[:size])
    one_line_error(run_kvmlab("run", path), code, "shorter than the 64-byte header")


def test_header_only_file_has_no_entry_point(tmp_path):
    path = write(tmp_path, "h.bin", header())
    one_line_error(run_kvmlab("run", path), XC["PAYLOAD_ENTRY"], "entry offset 0x40")


def test_directory(tmp_path):
    one_line_error(run_kvmlab("run", str(tmp_path)), XC["PAYLOAD_IO"], "is not a regular file")


@pytest.mark.parametrize("dev", ["/dev/null", "/dev/zero", "/dev/urandom"])
def test_character_devices_are_refused_without_reading(dev):
    # /dev/zero would never end: kvmlab must look (fstat) before it reads.
    one_line_error(run_kvmlab("run", dev, timeout=10), XC["PAYLOAD_IO"], dev, "is not a regular file")


def test_fifo_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # O_NONBLOCK open: returns at once even with no writer; then fstat refuses it.
    one_line_error(run_kvmlab("run", str(fifo), timeout=10), XC["PAYLOAD_IO"], "is not a regular file")


def test_sparse_4gib_file_is_refused_by_size_without_reading(tmp_path):
    p = tmp_path / "huge.bin"
    with open(p, "wb") as f:
        f.write(header())
        f.truncate(4 << 30)                  # sparse: costs no disk
    line = one_line_error(run_kvmlab("run", str(p), timeout=10), XC["PAYLOAD_SIZE"],
                          "4294967296 bytes, larger than any guest RAM")
    assert line.startswith("kvmlab: payload header:")


def test_64mib_payload_does_not_fit_default_ram(tmp_path):
    p = tmp_path / "big.bin"
    with open(p, "wb") as f:
        f.write(header() + HLT)
        f.truncate(64 << 20)
    one_line_error(run_kvmlab("run", str(p), "--mem", "4M"), XC["PAYLOAD_SIZE"],
                   "but guest RAM is 4096 KiB (--mem)")


def test_symlink_loop(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    os.symlink(b, a)
    os.symlink(a, b)
    one_line_error(run_kvmlab("run", str(a)), XC["PAYLOAD_IO"], "Too many levels of symbolic links")


def test_path_longer_than_path_max():
    # The path is the guest author's; it is shortened so the reason still shows.
    line = one_line_error(run_kvmlab("run", "x" * 5000), XC["PAYLOAD_IO"], "File name too long")
    assert len(line) < 400


def test_missing_file_named_in_the_error():
    one_line_error(run_kvmlab("run", "/nonexistent/payload.bin"), XC["PAYLOAD_IO"],
                   "/nonexistent/payload.bin", "No such file or directory")


def drop_to_nobody():
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def test_unreadable_file():
    # pytest's tmp_path lies under a 0700 directory: use one nobody can traverse,
    # so that only the file's own mode can refuse the read.
    d = tempfile.mkdtemp(prefix="kvmlab-mode000-", dir="/tmp")
    try:
        os.chmod(d, 0o755)
        path = os.path.join(d, "secret.bin")
        with open(path, "wb") as f:
            f.write(header() + HLT)
        if os.geteuid() == 0:
            # root reads through mode 000 (CAP_DAC_OVERRIDE): run kvmlab as nobody.
            os.chmod(path, 0o644)
            control = run_as_nobody("run", path)
            assert "cannot open payload" not in control.stderr   # readable: the mode is what matters
            os.chmod(path, 0)
            proc = run_as_nobody("run", path)
            code, out, err = proc.returncode, proc.stdout, proc.stderr
        else:
            os.chmod(path, 0)
            r = run_kvmlab("run", path)
            code, out, err = r.code, r.out, r.err
        assert code == XC["PAYLOAD_IO"], err
        assert out == ""
        assert kvmlab_lines(err) == [f"kvmlab: cannot open payload {path}: Permission denied"]
    finally:
        shutil.rmtree(d)


# ---- headers at the extremes (the core tests hold one defect per field) ----

@pytest.mark.parametrize("fields, code, words", [
    (dict(name=b"N" * 32), XC["PAYLOAD_FIELD"], ["name must be 1-31 printable"]),
    (dict(name=b"\x1b[2J"), XC["PAYLOAD_FIELD"], ["name must be 1-31 printable"]),
    (dict(desc=0xFFFFFFFF), XC["PAYLOAD_FIELD"], ["desc_offset 4294967295 is outside the file"]),
    (dict(desc=64), XC["PAYLOAD_FIELD"], ["description at 64 must be a NUL-terminated"]),
    (dict(entry=0xFFFFFFFF), XC["PAYLOAD_ENTRY"], ["entry offset 0xffffffff"]),
    (dict(load=0xFFFFF000), XC["PAYLOAD_SIZE"], ["reach past the end of RAM space"]),
    (dict(load=0xBFFFF000), XC["PAYLOAD_SIZE"], ["needs RAM up to 0xbffff041 but guest RAM is 4096 KiB"]),
    (dict(min_kib=0xFFFFFFFF), XC["PAYLOAD_SIZE"], ["asks for at least 4294967295 KiB"]),
    (dict(mode=255), XC["PAYLOAD_MODE"], ["unknown CPU mode 255"]),
    (dict(version=0xFFFF), XC["PAYLOAD_VERSION"], ["ABI version 65535"]),
    (dict(hdr_size=0xFFFF), XC["PAYLOAD_FIELD"], ["hdr_size 65535"]),
    (dict(flags=0x80000000), XC["PAYLOAD_FIELD"], ["flags 0x80000000"]),
    (dict(mode=1, load=0xF1000), XC["PAYLOAD_LOAD"], ["64 KiB segment must end below 1 MiB"]),
])
def test_extreme_header_values(tmp_path, fields, code, words):
    # desc=64 with no NUL anywhere after it: the description runs to the end of the file.
    body = b"A" * 300 if fields.get("desc") == 64 else HLT
    path = write(tmp_path, "x.bin", header(**fields) + body)
    one_line_error(run_kvmlab("run", path, "--mem", "4M"), code, "payload header:", *words)


# ---- every option of every command with bad values ----

GOOD = os.path.join(PAYLOADS, "hello-long.bin")


@pytest.mark.parametrize("opt, val", [
    ("--mem", v) for v in ["", "-1", "0", "abc", "4M junk", " 4M", "0x400000", "1e6", "4097", "127K",
                           "3073M", "4G", "18446744073709551616", "99999999999G", "4Q"]
] + [
    ("--timeout", v) for v in ["", "-1", "abc", "nan", "inf", "86401", "1e9", "1e-400", "1s", "+1"]
] + [
    ("--max-exits", v) for v in ["", "-1", "1.5", "abc", "18446744073709551616", " 1", "+1", "10x"]
] + [
    ("--console-limit", v) for v in ["", "0", "-5", "1T", "abc", "18446744073709551616"]
] + [
    # --rom=GPA,SIZE, whole: no 63-byte cut (the size below would shrink to 6 digits), no
    # junk, and size 0 is refused, not read as "no ROM".
    ("--rom", v) for v in ["0,0", "0xFFFF0000,0", "0xFFFF0000", ",64K", "0xFFFF0000,64K,1",
                           "0xFFFF0000,64Kjunk", "0xFFFF0000,64i", "0x" + "0" * 50 + "FFFF0000,64K",
                           "0x" + "0" * 46 + "FFFF0000,65536000000000000000000000",
                           "0xFFFF0000," + "9" * 70]
])
def test_bad_option_values(opt, val):
    name = opt.lstrip("-")
    args = [opt + "=" + val] if opt == "--rom" else [opt, val]      # --rom's value is optional
    one_line_error(run_kvmlab("run", GOOD, *args), XC["USAGE"], f"--{name}", "kvmlab run --help")


@pytest.mark.parametrize("args, words", [
    (["run", GOOD, "--frobnicate"], ["unknown or incomplete option '--frobnicate'"]),
    (["run", GOOD, "--mem"], ["unknown or incomplete option '--mem'"]),
    (["run", GOOD, "--json=yes"], ["unknown or incomplete option"]),
    (["run"], ["no payload given"]),
    (["run", GOOD, GOOD], ["more than one payload given"]),
    (["info", "--frobnicate"], ["unknown option '--frobnicate'"]),
    (["info", "extra"], ["unexpected argument 'extra'"]),
    (["list", "--frobnicate"], ["unknown option '--frobnicate'"]),
    (["list", "extra"], ["unexpected argument 'extra'"]),
    (["frobnicate"], ["unknown command 'frobnicate'"]),
])
def test_bad_command_lines(args, words):
    one_line_error(run_kvmlab(*args), XC["USAGE"], *words)


def test_no_arguments_is_a_one_line_usage_error():
    r = run_kvmlab()
    assert r.code == XC["USAGE"]
    assert r.err.startswith("kvmlab: no command given") and len(r.err.splitlines()) == 1


def test_payload_dir_env_pointing_nowhere():
    r = run_kvmlab("list", env={"KVMLAB_PAYLOADS": "/nonexistent"})
    one_line_error(r, XC["PAYLOAD_IO"], "cannot open payload directory /nonexistent")


# ---- a hostile environment ----

def run_as_nobody(*args, env=None):
    full = {"KVMLAB_PAYLOADS": PAYLOADS, **(env or {})}
    try:
        proc = subprocess.run([KVMLAB, *args], capture_output=True, text=True, timeout=60,
                              preexec_fn=drop_to_nobody, env=full, stdin=subprocess.DEVNULL)
    except (PermissionError, subprocess.SubprocessError) as e:
        pytest.skip(f"cannot drop privileges to nobody: {e}")
    # A gcov build (make coverage, make test's build/inst) cannot write its
    # .gcda files as nobody and says so on stderr: not kvmlab's output.
    proc.stderr = "".join(x + "\n" for x in kvmlab_lines(proc.stderr))
    return proc


def kvmlab_lines(err):
    """stderr without gcov's complaints (make coverage runs nobody's kvmlab too)."""
    return [x for x in err.splitlines() if not x.startswith("profiling:")]


def test_no_access_to_dev_kvm_says_how_to_fix_it():
    if os.geteuid() != 0:
        pytest.skip("needs root to become a user without access to /dev/kvm")
    mode = os.stat("/dev/kvm").st_mode if os.path.exists("/dev/kvm") else 0
    if mode & stat.S_IROTH and mode & stat.S_IWOTH:
        pytest.skip("/dev/kvm is world read-writable here: nobody can use it")
    proc = run_as_nobody("run", os.path.join(PAYLOADS, "hello-long.bin"))
    assert proc.returncode == XC["HOST"]
    assert proc.stdout == ""
    assert kvmlab_lines(proc.stderr) == [
        "kvmlab: /dev/kvm: permission denied: add yourself to the kvm group "
        "(sudo usermod -aG kvm $USER, then log in again) or run as root"]


def test_list_skips_hostile_files_in_the_payload_directory(tmp_path):
    (tmp_path / "good.bin").write_bytes(open(os.path.join(PAYLOADS, "hello-long.bin"), "rb").read())
    (tmp_path / "short.bin").write_bytes(b"KVML")
    (tmp_path / "notes.txt").write_text("not a payload")
    (tmp_path / "dir.bin").mkdir()
    os.mkfifo(tmp_path / "fifo.bin")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.bin").write_bytes(open(os.path.join(PAYLOADS, "hello-real.bin"), "rb").read())
    r = run_kvmlab("list", env={"KVMLAB_PAYLOADS": str(tmp_path)}, timeout=10)
    assert r.code == XC["OK"]
    names = [line.split()[0] for line in r.out.splitlines()]
    assert names == ["good", "sub/deep"]
    skipped = sorted(line.split()[2] for line in r.err.splitlines())
    assert skipped == ["fifo.bin:", "short.bin:"]
    j = run_kvmlab("list", "--json", json_out=True, env={"KVMLAB_PAYLOADS": str(tmp_path)}, timeout=10)
    assert [p["file"] for p in j.doc["payloads"]] == ["good.bin", "sub/deep.bin"]


@pytest.mark.parametrize("args", [["--help"], ["help"], ["-h"], ["--version"], ["run", "--help"],
                                  ["info", "--help"], ["list", "--help"], ["info", "--sandbox"]])
def test_help_and_version_always_succeed_without_kvm(args):
    r = run_kvmlab(*args)
    assert r.code == XC["OK"]
    assert r.out and r.err == ""


def test_catalogue_found_next_to_the_binary_without_env():
    env = {k: v for k, v in os.environ.items() if k != "KVMLAB_PAYLOADS"}
    proc = subprocess.run([KVMLAB, "list"], capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == XC["OK"]
    assert "hostile/port-sweep" in proc.stdout


# ---- --uart-input-file: only a regular file is input ----

def test_uart_input_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    # A blocking open() would wait for a writer before the watchdog exists.
    one_line_error(run_kvmlab("run", GOOD, "--uart-input-file", str(fifo), timeout=10), XC["USAGE"],
                   "--uart-input-file", str(fifo), "is not a regular file")


def test_uart_input_directory_is_not_empty_input(tmp_path):
    one_line_error(run_kvmlab("run", GOOD, "--uart-input-file", str(tmp_path)), XC["USAGE"],
                   "--uart-input-file", "is not a regular file")


def test_uart_input_unreadable_file_says_why():
    d = tempfile.mkdtemp(prefix="kvmlab-uart000-", dir="/tmp")
    try:
        os.chmod(d, 0o755)
        path = os.path.join(d, "input.txt")
        with open(path, "wb") as f:
            f.write(b"abc")
        os.chmod(path, 0)
        r = Result(run_as_nobody("run", GOOD, "--uart-input-file", path), None)
        one_line_error(r, XC["USAGE"], "--uart-input-file", path, "Permission denied")
    finally:
        shutil.rmtree(d)


def test_uart_input_over_1mib_is_refused(tmp_path):
    big = write(tmp_path, "big.txt", b"x" * ((1 << 20) + 1))
    one_line_error(run_kvmlab("run", GOOD, "--uart-input-file", big), XC["USAGE"],
                   "--uart-input-file", "over 1 MiB")


# ---- file names are untrusted text: terminal escapes and non-UTF-8 bytes ----

def run_bytes(*args, env=None):
    """kvmlab with bytes arguments and bytes output (file names need not be UTF-8)."""
    full = {**os.environ, "KVMLAB_PAYLOADS": PAYLOADS, **(env or {})}
    return subprocess.run([os.fsencode(KVMLAB), *args], capture_output=True, timeout=60,
                          env=full, stdin=subprocess.DEVNULL)


def hostile_names_dir(tmp_path):
    good = open(os.path.join(PAYLOADS, "hello-long.bin"), "rb").read()
    d = os.fsencode(str(tmp_path))
    for name in [b"evil\x1b[2J\x07.bin", "caf\u00e9.bin".encode(), b"bad\xff\xc3.bin"]:
        with open(d + b"/" + name, "wb") as f:
            f.write(good)
    with open(d + b"/short\x1b]0;pwned\x07.bin", "wb") as f:
        f.write(b"KVML")
    return d


def test_list_escapes_control_bytes_in_file_names(tmp_path):
    d = hostile_names_dir(tmp_path)
    r = run_bytes(b"list", env={"KVMLAB_PAYLOADS": d})
    assert r.returncode == XC["OK"], r.stderr
    assert b"\x1b" not in r.stdout + r.stderr and b"\x07" not in r.stdout + r.stderr
    names = sorted(line.split()[0] for line in r.stdout.splitlines())
    # Printable ASCII and valid UTF-8 as they are; every other byte as \xNN.
    assert names == [b"bad\\xff\\xc3", "caf\u00e9".encode(), b"evil\\x1b[2J\\x07"]
    assert b"short\\x1b]0;pwned\\x07.bin" in r.stderr


def test_json_file_names_are_utf8_with_invalid_bytes_as_replacement(tmp_path):
    d = hostile_names_dir(tmp_path)
    r = run_bytes(b"list", b"--json", env={"KVMLAB_PAYLOADS": d})
    assert r.returncode == XC["OK"], r.stderr
    files = sorted(p["file"] for p in json.loads(r.stdout.decode("utf-8"))["payloads"])
    assert files == ["bad\ufffd\ufffd.bin", "caf\u00e9.bin", "evil\x1b[2J\x07.bin"]


def test_run_json_payload_path_keeps_utf8(tmp_path, kvm):
    path = os.fsencode(str(tmp_path)) + "/\u00fcber-\u4e2d.bin".encode()
    with open(path, "wb") as f:
        f.write(open(os.path.join(PAYLOADS, "hello-long.bin"), "rb").read())
    r = run_bytes(b"run", b"--json", path)
    assert r.returncode == XC["OK"], r.stderr
    assert json.loads(r.stdout.decode("utf-8"))["payload"]["path"] == os.fsdecode(path)
