"""Shared helpers of the tests/test_io_*.py files (docs/io.md)."""


def fnv1a(data):
    """FNV-1a 32-bit, as kvmlab's devices hash what they receive."""
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def pattern(total, chunk):
    """The benchmark stream: every chunk is bytes 0, 1, 2, ... mod 256."""
    return bytes((i % chunk) & 0xFF for i in range(total))


def port_exits(res, port, direction):
    """(exits, elements) on one port/direction, summed over widths."""
    entries = res.port(port, direction)
    return sum(p["exits"] for p in entries), sum(p["elements"] for p in entries)


def mmio_exits(res, gpa, direction="write"):
    return sum(m["exits"] for m in res.doc["exits"]["mmio"]
               if m["gpa"] == gpa and m["dir"] == direction)


def values(res):
    return {r["name"]: r["value"] for r in res.reports("value")}
