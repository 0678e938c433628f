"""kvmlab's own bounds on what it keeps (the layer headers, vmm/kvmlab.h): the console buffer
and the per-port / per-address counters.  A guest can exceed them; kvmlab
must keep counting correctly and say what it dropped."""

from conftest import XC, run_kvmlab
from test_core_protocol import guest  # noqa: F401  (the fixture)

CONSOLE_CAP = 64 << 10          # traps/devices/devices.h CONSOLE_CAP
PORT_KEYS_MAX = 256             # vmm/measure/measure.h PORT_KEYS_MAX
MMIO_KEYS_MAX = 256


def test_console_beyond_the_buffer_is_counted_and_marked_truncated(guest):
    n = CONSOLE_CAP + 1
    r = run_kvmlab("run", guest("chatty", f"""
        mov     ecx, {n}
        mov     al, 'x'
.next:  out     PORT_CONSOLE, al
        loop    .next
        hlt"""), "--json", json_out=True)
    assert (r.end, r.code) == ("hlt", XC["OK"])
    assert r.doc["console"]["bytes"] == n
    assert r.console == "x" * CONSOLE_CAP
    assert r.doc["console"]["truncated"] is True
    assert r.exits("IO") == n


def test_ports_beyond_the_key_table_go_to_overflow(guest):
    # 257 distinct unclaimed ports, one IN each (0x500-0x600: no device of
    # vmm/core/machine.c lives there; COM1 at 0x3F8 rules out 0x300-0x400).
    r = run_kvmlab("run", guest("port-scan", f"""
        mov     dx, 0x500
.next:  in      al, dx
        inc     dx
        cmp     dx, 0x500 + {PORT_KEYS_MAX + 1}
        jne     .next
        hlt"""), "--json", json_out=True)
    assert (r.end, r.code) == ("hlt", XC["OK"])
    ports = r.doc["exits"]["ports"]
    assert len(ports) == PORT_KEYS_MAX
    assert [p["port"] for p in ports] == list(range(0x500, 0x500 + PORT_KEYS_MAX))
    assert r.doc["exits"]["ports_overflow"] == 1
    assert r.exits("IO") == PORT_KEYS_MAX + 1
    # Each stored key is logged once; the overflow is not logged per access.
    assert len(r.err.splitlines()) == PORT_KEYS_MAX


def test_mmio_addresses_beyond_the_key_table_go_to_overflow(guest):
    r = run_kvmlab("run", guest("mmio-scan", f"""
        mov     edi, 0xD0000000
        mov     ecx, {MMIO_KEYS_MAX + 2}
.next:  mov     eax, [rdi]
        add     rdi, 4
        loop    .next
        hlt"""), "--json", json_out=True)
    assert (r.end, r.code) == ("hlt", XC["OK"])
    assert len(r.doc["exits"]["mmio"]) == MMIO_KEYS_MAX
    assert r.doc["exits"]["mmio_overflow"] == 2
    assert r.exits("MMIO") == MMIO_KEYS_MAX + 2
