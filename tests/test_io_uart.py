"""The 16550 UART at COM1: a polled driver's exact output and exits, string I/O.

Full emulation (docs/io.md): every register access of the guest is one port
I/O exit to kvmlab, on every backend - port I/O is always intercepted.
"""
import pytest

from conftest import XC, run_kvmlab
from iohelp import fnv1a, pattern, port_exits, values

COM1 = 0x3F8
LSR = COM1 + 5


def test_polled_driver_output_and_exits(run):
    r = run("io/uart-hello", "--uart-input", "abc")
    assert r.code == XC["OK"], r.err
    assert r.end == "hlt"
    assert r.console == "Hello, COM1!\nabc"
    assert values(r) == {"uart_scratch": 0x5A, "uart_rx_bytes": 3}
    # One exit per register access: 16 bytes sent + the divisor low byte ...
    assert port_exits(r, COM1, "out") == (17, 17)
    assert port_exits(r, COM1, "in") == (3, 3)            # RBR, one per received byte
    assert port_exits(r, LSR, "in") == (20, 20)           # THRE before each byte, DR while receiving
    assert port_exits(r, COM1 + 3, "out") == (2, 2)       # LCR: DLAB on, then 8N1
    assert port_exits(r, COM1 + 7, "out") == (1, 1)       # scratch write ...
    assert port_exits(r, COM1 + 7, "in") == (1, 1)        # ... and read back
    uart = r.doc["io"]["uart"]
    assert (uart["tx_bytes"], uart["rx_bytes"], uart["divisor"], uart["lcr"]) == (16, 3, 1, 3)


def test_polled_driver_without_input(run):
    r = run("io/uart-hello")
    assert r.code == XC["OK"], r.err
    assert r.console == "Hello, COM1!\n"
    assert values(r)["uart_rx_bytes"] == 0
    assert port_exits(r, COM1, "in") == (0, 0)


# String I/O through KVM's emulator: `rep outsb` leaves one element per exit,
# `rep insb` is read ahead and batched (x86 emulator, em_out / pio_in_emulated:
# generic KVM code, the same behind VMX, SVM and PVM; expect.def "string-io").
# (exits, elements) for 19 bytes out and 8 bytes in.
STRING_IO = {("outs", "per-element"): (19, 19), ("ins", "batched"): (1, 8)}


def test_string_io_every_element_handled(run, expect):
    r = run("io/uart-string", "--uart-input", "ABCDEFGH")
    assert r.code == XC["OK"], r.err
    assert r.console == "string out\nABCDEFGH"
    assert values(r)["rx_qword"] == int.from_bytes(b"ABCDEFGH", "little")
    for insn, direction in (("outs", "out"), ("ins", "in")):
        row = expect("string-io", insn)
        assert port_exits(r, COM1, direction) == STRING_IO[(insn, row.value)], row.why
    assert r.doc["io"]["uart"]["rx_bytes"] == 8


def test_uart_workload_costs_one_exit_per_byte(run):
    total = 1024
    r = run("io/uart-bench", "--io-total", total, "--io-chunk", 256)
    assert r.code == XC["OK"], r.err
    assert r.doc["io"]["uart"]["tx_bytes"] == total
    assert r.doc["io"]["uart"]["fnv1a"] == fnv1a(pattern(total, 256))
    assert r.console.encode("latin-1") == pattern(total, 256)
    assert port_exits(r, COM1, "out") == (total + 1, total + 1)   # + DLL at init
    assert port_exits(r, LSR, "in") == (total // 16 + 1, total // 16 + 1)
    assert values(r)["bytes"] == total
    assert values(r)["cycles"] > 0


@pytest.mark.parametrize("opt", [
    ("--virtio-notify", "doorbell"), ("--io-chunk", "0"), ("--io-chunk", "8K"),
    ("--io-batch", "65"), ("--io-total", "lots"),
])
def test_bad_io_options_are_usage_errors(kvm, opt):
    r = run_kvmlab("run", "io/uart-hello", *opt)
    assert r.code == XC["USAGE"]
    assert r.err.count("\n") == 1 and "kvmlab run:" in r.err


def test_uart_input_from_a_file(run, tmp_path):
    f = tmp_path / "input"
    f.write_bytes(b"xyz")
    r = run("io/uart-hello", "--uart-input-file", str(f))
    assert r.code == XC["OK"], r.err
    assert r.console == "Hello, COM1!\nxyz"
    big = tmp_path / "big"
    big.write_bytes(b"a" * ((1 << 20) + 1))
    for bad in (str(big), str(tmp_path / "missing")):
        r = run_kvmlab("run", "io/uart-hello", "--uart-input-file", bad)
        assert r.code == XC["USAGE"] and r.err.count("\n") == 1


def test_loopback_probe_reads_back_what_it_sent(run):
    """PC16550D "Loopback": THR feeds RBR, the wire's input waits outside."""
    r = run("io/uart-loopback", "--uart-input", "z")
    assert r.code == XC["OK"], r.err
    assert values(r) == {"loop_lsr": 0x61, "loop_rbr": 0xAE, "after_lsr": 0x60, "wire_rbr": ord("z")}
    assert r.console == ""
    assert r.doc["io"]["uart"]["tx_bytes"] == 1
