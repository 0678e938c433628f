"""libvirt's domain XML, kvmlab's subset (docs/domxml.md).

`kvmlab domxml OPTIONS PAYLOAD` writes the document for a command line,
`kvmlab run --domain FILE` runs it, and `kvmlab domxml --domain FILE`
reads it back to the same document.  Anything outside the subset, and
malformed XML, is one line naming the line and the element, exit code 20.
"""
import pytest

from conftest import XC, run_kvmlab

CMDLINE = ["--mem", "16M", "--vcpus", "2", "--blk", "IMG", "--balloon", "2048"]


def domxml(*args):
    return run_kvmlab("domxml", *args)


def test_domxml_round_trips(kvm, tmp_path):
    img = str(tmp_path / "disk.img")
    args = [a if a != "IMG" else img for a in CMDLINE] + ["--pin", "0,0", "io/balloon"]
    first = domxml(*args)
    assert first.code == XC["OK"], first.err
    doc = first.out
    for needle in ("<domain type='kvm'>", "<memory unit='KiB'>16384</memory>",
                   "<currentMemory unit='KiB'>8192</currentMemory>", "<vcpu placement='static'>2</vcpu>",
                   "<vcpupin vcpu='1' cpuset='0'/>", "<kernel>io/balloon</kernel>",
                   f"<source file='{img}'/>", "<memballoon model='virtio'/>"):
        assert needle in doc
    f = tmp_path / "vm.xml"
    f.write_text(doc)
    again = domxml("--domain", str(f))
    assert (again.code, again.out) == (XC["OK"], doc)


def test_run_domain_is_the_command_line(kvm, tmp_path):
    """The same VM either way: RAM, vCPUs, disk and balloon as the options give them."""
    img = str(tmp_path / "disk.img")
    (tmp_path / "disk.img").write_bytes(b"\0" * 4096)
    f = tmp_path / "vm.xml"
    f.write_text(domxml("--mem", "16M", "--blk", img, "--balloon", "2048", "io/balloon").out)
    by_xml = run_kvmlab("run", "--domain", str(f), "--json", json_out=True)
    by_opts = run_kvmlab("run", "--mem", "16M", "--blk", img, "--balloon", "2048", "io/balloon", "--json",
                         json_out=True)
    assert by_xml.code == by_opts.code == XC["OK"], by_xml.err
    for doc in (by_xml.doc, by_opts.doc):
        assert doc["io"]["balloon"]["inflated"] == 2048
        assert doc["io"]["blk"]["present"] is True
    assert by_xml.doc["config"] == by_opts.doc["config"]


def test_later_options_override_the_domain(kvm, tmp_path):
    f = tmp_path / "vm.xml"
    f.write_text(domxml("--mem", "16M", "io/balloon").out)
    r = domxml("--domain", str(f), "--mem", "32M")
    assert "<memory unit='KiB'>32768</memory>" in r.out


MINIMAL = "<domain type='kvm'><name>a</name><memory unit='MiB'>4</memory><os><kernel>hello-long</kernel></os>%s</domain>"
BAD = [
    ("bridge interface", MINIMAL % "<devices><interface type='bridge'/></devices>", "type='bridge'"),
    ("interface mac", MINIMAL % "<devices><interface type='ethernet'><mac address='52:54:00:00:00:01'/>"
                                "</interface></devices>", "<mac>"),
    ("unknown element", MINIMAL % "<clock offset='utc'/>", "<clock>"),
    ("unknown attribute", (MINIMAL % "").replace("unit='MiB'", "unit='MiB' x='1'"), "attribute 'x'"),
    ("qcow2 disk", MINIMAL % "<devices><disk type='file'><driver name='qemu' type='qcow2'/>"
                             "<source file='/x'/></disk></devices>", "type='qcow2'"),
    ("memory unit", (MINIMAL % "").replace("unit='MiB'", "unit='TiB'"), "unit='TiB'"),
    ("partial pinning", (MINIMAL % "").replace("<os>", "<vcpu>2</vcpu><cputune><vcpupin vcpu='0' cpuset='0'/></cputune><os>"),
     "every vCPU or none"),
    ("balloon without device", (MINIMAL % "").replace("<os>", "<currentMemory unit='MiB'>2</currentMemory><os>"),
     "memballoon"),
    ("no kernel", "<domain type='kvm'><name>a</name><memory>4096</memory><os/></domain>", "<kernel>"),
    ("not kvm", "<domain type='xen'/>", "type='xen'"),
    ("doctype", "<!DOCTYPE d [<!ENTITY x 'y'>]><domain type='kvm'><name>&x;</name></domain>", "DOCTYPE"),
    ("malformed", "<domain type='kvm'><name>a</name>", "malformed XML"),
    ("empty", "", "malformed XML"),
    # Found by fuzzing: the message quotes the value, whose newline once made it two lines.
    ("newline in a value", (MINIMAL % "").replace("<memory unit='MiB'>", "<memory unit='MiB'>1\n"), "'1?"),
]


@pytest.mark.parametrize("what,doc,named", BAD, ids=[b[0] for b in BAD])
def test_bad_domain_is_one_line_and_exit_20(kvm, tmp_path, what, doc, named):
    f = tmp_path / "vm.xml"
    f.write_text(doc)
    for cmd in ("run", "domxml"):
        r = run_kvmlab(cmd, "--domain", str(f))
        assert r.code == XC["DOMAIN_XML"], (what, r.err)
        assert named in r.err and r.err.count("\n") == 1, r.err


def test_domain_file_that_is_not_a_file(kvm, tmp_path):
    r = run_kvmlab("run", "--domain", str(tmp_path))
    assert r.code == XC["DOMAIN_XML"] and "not a regular file" in r.err
    r = run_kvmlab("run", "--domain", str(tmp_path / "missing.xml"))
    assert r.code == XC["DOMAIN_XML"] and "No such file" in r.err


def test_domxml_refuses_what_has_no_xml_form(kvm):
    r = domxml("--ktrace", "hello-long")
    assert r.code == XC["USAGE"] and "--ktrace" in r.err
    r = domxml("--json", "hello-long")
    assert r.code == XC["USAGE"]


def test_payload_and_domain_kernel_together_is_ambiguous(kvm, tmp_path):
    f = tmp_path / "vm.xml"
    f.write_text(domxml("io/balloon").out)
    r = run_kvmlab("run", "--domain", str(f), "hello-long")
    assert r.code == XC["USAGE"] and "give one" in r.err


def test_ethernet_interface_is_run_net(kvm, require, tmp_path):
    """<interface type='ethernet'> is --net (a tap in kvmlab's own network namespace)."""
    f = tmp_path / "vm.xml"
    doc = domxml("--net", "hello-long").out
    assert "<interface type='ethernet'>" in doc and "<model type='virtio'/>" in doc
    f.write_text(doc)
    assert domxml("--domain", str(f)).out == doc
    require(root=True)                          # the tap and the namespace
    r = run_kvmlab("run", "--domain", str(f), "--json", json_out=True)
    assert r.code == XC["OK"], r.err
    assert r.doc["io"]["net"]["present"] is True
