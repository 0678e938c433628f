"""The command line (issue 2, parts 7 and 9): usage errors exit 2 with one
line on stderr; --help documents every option the code accepts."""
import json
import os
import re

import pytest

from conftest import ROOT, XC, payload, run_kvmlab


def assert_usage_error(r, prefix="kvmlab"):
    assert r.code == XC["USAGE"], r.err
    assert r.out == ""
    assert r.err.count("\n") == 1 and r.err.endswith("\n"), r.err
    assert r.err.startswith(prefix), r.err


def test_no_command_is_a_one_line_usage_error():
    r = run_kvmlab()
    assert r.code == XC["USAGE"]
    assert r.out == ""
    assert r.err.startswith("kvmlab: no command given")
    assert len(r.err.strip().splitlines()) == 1


def test_unknown_command():
    r = run_kvmlab("frobnicate")
    assert_usage_error(r, "kvmlab: unknown command 'frobnicate'")


def test_run_without_payload():
    assert_usage_error(run_kvmlab("run"), "kvmlab run: no payload given")


def test_run_with_two_payloads():
    r = run_kvmlab("run", payload("hello-long"), payload("hello-real"))
    assert_usage_error(r, "kvmlab run: more than one payload given")


@pytest.mark.parametrize("opt", ["--bogus", "-x", "--jsonx"])
def test_run_unknown_option(opt):
    r = run_kvmlab("run", payload("hello-long"), opt)
    assert_usage_error(r, "kvmlab run: unknown or incomplete option")


@pytest.mark.parametrize("opt", ["--mem", "--timeout", "--max-exits"])
def test_run_option_missing_its_value(opt):
    assert_usage_error(run_kvmlab("run", payload("hello-long"), opt), "kvmlab run: ")


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1K", "5G", "4097", "127K", "4T", "3G1", ""])
def test_run_bad_mem(value):
    r = run_kvmlab("run", payload("hello-long"), "--mem", value)
    assert_usage_error(r, "kvmlab run: --mem")


@pytest.mark.parametrize("value", ["-1", "abc", "1e99", "nan", "inf", "86401", "1s", ""])
def test_run_bad_timeout(value):
    r = run_kvmlab("run", payload("hello-long"), "--timeout", value)
    assert_usage_error(r, "kvmlab run: --timeout")


@pytest.mark.parametrize("value", ["-5", "x", "1.5", "18446744073709551616", ""])
def test_run_bad_max_exits(value):
    r = run_kvmlab("run", payload("hello-long"), "--max-exits", value)
    assert_usage_error(r, "kvmlab run: --max-exits")


@pytest.mark.parametrize("value,mem", [("128K", 128 << 10), ("4M", 4 << 20), ("3G", 3 << 30),
                                       ("256KiB", 256 << 10), ("1052672", 1052672)])
def test_run_good_mem(run, value, mem):
    r = run("hello-long", "--mem", value)
    assert r.code == XC["OK"] and r.doc["config"]["mem"] == mem


@pytest.mark.parametrize("value,n", [("010", 10), ("0x10", 16)])
def test_max_exits_is_decimal_or_hex(run, value, n):
    # "010" is ten, not octal eight.
    r = run("hello-long", "--max-exits", value)
    assert r.doc["config"]["max_exits"] == n
    assert r.doc["exits"]["total"] == n


def test_options_may_come_before_the_payload(run):
    r = run_kvmlab("run", "--json", "--max-exits", "3", payload("hello-long"), json_out=True)
    assert r.code == XC["EXIT_LIMIT"] and r.doc["exits"]["total"] == 3


@pytest.mark.parametrize("cmd", ["info", "list"])
def test_info_and_list_reject_unknown_options_and_arguments(cmd):
    assert_usage_error(run_kvmlab(cmd, "--bogus"), f"kvmlab {cmd}: unknown option")
    assert_usage_error(run_kvmlab(cmd, "extra"), f"kvmlab {cmd}: unexpected argument 'extra'")


# ---- --help documents every option in the code's option tables -------------

def options_of(cmd):
    """The long option names command cmd accepts: the one option table (vmm/cli/opt_table.c),
    as `kvmlab --options --json` prints it."""
    r = run_kvmlab("--options", "--json")
    assert r.code == XC["OK"] and r.err == ""
    names = [o["name"] for o in json.loads(r.out)["options"] if cmd in o["commands"]]
    assert names, f"no options for kvmlab {cmd} in the table"
    return names


COMMANDS = ["run", "list", "info", "iobench", "trace", "bench", "sensitive"]


@pytest.mark.parametrize("cmd", COMMANDS)
def test_command_help_documents_every_option(cmd):
    r = run_kvmlab(cmd, "--help")
    assert r.code == XC["OK"] and r.err == ""
    assert r.out.startswith(f"usage: kvmlab {cmd}")
    for name in options_of(cmd):
        assert f"--{name}" in r.out, f"kvmlab {cmd} --help does not mention --{name}"


@pytest.mark.parametrize("cmd", ["run", "info", "list"])
def test_command_short_help(cmd):
    r = run_kvmlab(cmd, "-h")
    assert r.code == XC["OK"] and r.out.startswith(f"usage: kvmlab {cmd}")


@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_top_level_help(flag):
    r = run_kvmlab(flag)
    assert r.code == XC["OK"] and r.err == ""
    assert r.out.startswith("usage: kvmlab COMMAND")
    for cmd in re.findall(r'\{ "([a-z]+)",\s+cmd_', open(os.path.join(ROOT, "vmm", "cli", "commands.c")).read()):
        assert f"\n  {cmd} " in r.out, f"kvmlab --help does not list {cmd}"


def test_top_level_help_lists_every_exit_code():
    r = run_kvmlab("--help")
    for code in set(range(19)) | set(XC.values()):
        assert re.search(rf"(^|\s){code} [a-z]", r.out, re.M), f"exit code {code} undocumented"


# ---- kvmlab --exit-codes: the one list (XC_LIST, vmm/core/core.h) ----------

def exit_code_list():
    r = run_kvmlab("--exit-codes", "--json")
    assert r.code == XC["OK"] and r.err == ""
    doc = json.loads(r.out)
    assert type(doc["schema_version"]) is int and doc["command"] == "exit-codes"
    return doc["exit_codes"]


def test_exit_codes_json_lists_each_code_once_with_name_and_meaning():
    codes = exit_code_list()
    assert [e["code"] for e in codes] == sorted({e["code"] for e in codes})
    assert len({e["name"] for e in codes}) == len(codes)
    for e in codes:
        assert set(e) == {"code", "name", "summary", "meaning"}
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", e["name"]) and e["summary"] and e["meaning"]
    # The codes every document and test relies on (docs/json-schema.md).
    assert {e["name"]: e["code"] for e in codes}["OK"] == 0
    assert {e["name"]: e["code"] for e in codes}["USAGE"] == 2


def test_exit_codes_text_is_the_list_in_help():
    text = run_kvmlab("--exit-codes")
    assert text.code == XC["OK"]
    lines = [f"  {e['code']:2d} {e['summary']}: {e['meaning']}" for e in exit_code_list()]
    assert text.out.splitlines() == lines
    assert text.out in run_kvmlab("--help").out


def test_exit_codes_rejects_other_arguments():
    assert_usage_error(run_kvmlab("--exit-codes", "--yaml"))
    assert_usage_error(run_kvmlab("--exit-codes", "--json", "--json"))


def test_json_schema_doc_lists_exactly_kvmlabs_exit_codes():
    """docs/json-schema.md "Exit codes": one row per code, in kvmlab's words."""
    doc = open(os.path.join(ROOT, "docs", "json-schema.md")).read()
    section = doc.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", section, re.M)
    assert [(int(c), m.replace("`", "")) for c, m in rows] == \
        [(e["code"], f"{e['summary']}: {e['meaning']}") for e in exit_code_list()]


def test_version():
    r = run_kvmlab("--version")
    assert r.code == XC["OK"]
    assert re.fullmatch(r"kvmlab \d+\.\d+\.\d+ \(JSON schema \d+, guest ABI 1\)\n", r.out)


def test_help_does_not_run_anything(kvm):
    # --help wins over a payload: nothing runs, nothing is printed but help.
    r = run_kvmlab("run", payload("hello-long"), "--help")
    assert r.code == XC["OK"] and "Hello" not in r.out
