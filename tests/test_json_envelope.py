"""Every JSON document starts with one envelope (docs/json-schema.md, first section):
schema_version, kvmlab_version and command, then host where the command opened
/dev/kvm, all written by json_envelope (vmm/report/envelope.c)."""
import re

import pytest

from conftest import XC, payload, run_kvmlab

ENVELOPE = ["schema_version", "kvmlab_version", "command"]


def schema_and_version():
    """(JSON schema, kvmlab version) as `kvmlab --version` states them."""
    out = run_kvmlab("--version").out
    m = re.fullmatch(r"kvmlab (\S+) \(JSON schema (\d+), guest ABI \d+\)\n", out)
    assert m, out
    return int(m.group(2)), m.group(1)


# (arguments, command, whether the document carries host)
DOCUMENTS = [
    (("--exit-codes", "--json"), "exit-codes", False),
    (("--capabilities", "--json"), "capabilities", False),
    (("--machine", "--json"), "machine", False),
    (("list", "--json"), "list", False),
    (("info", "--sandbox", "--json"), "info", False),
    (("info", "--no-calibrate", "--json"), "info", True),
    (("run", "hello-long", "--json"), "run", True),
    (("trace", "hello-real", "--json"), "trace", True),
    (("bench", "--filter", "pio-out", "--iters", 20, "--repeat", 2, "--json"), "bench", True),
    (("sensitive", "--only", "out dx", "--json"), "sensitive", True),
    (("iobench", "--path", "uart", "--total", "1K", "--repeat", 1, "--json"), "iobench", True),
]


@pytest.mark.parametrize("args,command,host", DOCUMENTS, ids=[" ".join(map(str, d[0][:2])) for d in DOCUMENTS])
def test_every_document_starts_with_the_envelope(request, args, command, host):
    if host:
        request.getfixturevalue("kvm")
    args = tuple(payload(a) if a in ("hello-long", "hello-real") else a for a in args)
    r = run_kvmlab(*args, json_out=True)
    assert r.code == XC["OK"], r.err
    keys = list(r.doc)
    assert keys[:3] == ENVELOPE, keys[:4]
    schema, version = schema_and_version()
    assert (r.doc["schema_version"], r.doc["kvmlab_version"], r.doc["command"]) == (schema, version, command)
    assert (keys[3] == "host") is host, keys[:4]
