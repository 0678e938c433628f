"""Grading the lab questions (labs/README.md, "Grading the questions"): every
question states its points in both languages, the answer keys name kvmlab
commands and report values (never numbers), and scripts/check-answers grades
correct, wrong, unanswered and malformed answer files as documented."""
import glob
import importlib.machinery
import importlib.util
import json
import os
import re
import subprocess

import pytest

import labtools as L
from conftest import BUILD, run_kvmlab

SCRIPT = os.path.join(L.ROOT, "scripts", "check-answers")
KEYS = os.path.join(L.LABS, "solutions", "answers")
_loader = importlib.machinery.SourceFileLoader("check_answers", SCRIPT)
ca = importlib.util.module_from_spec(importlib.util.spec_from_loader("check_answers", _loader))
_loader.exec_module(ca)

EN_POINTS = re.compile(r"^(\d+)\. \((\d+) points?\) \S")
ZH_POINTS = re.compile(r"^(\d+)\. （(\d+) 分）\S")
KEY_FILES = sorted(glob.glob(os.path.join(KEYS, "*.json")))


def points(path, title, pattern):
    """{question number: points} of a lab's questions section; fails on an item without points."""
    got = {}
    for line in L.section(L.read(path), title).splitlines():
        if re.match(r"^\d+\. ", line):
            m = pattern.match(line)
            assert m, f"{os.path.relpath(path, L.ROOT)}: question without its points: {line[:60]!r}"
            got[int(m.group(1))] = int(m.group(2))
    return got


@pytest.mark.parametrize("path", L.lab_files(), ids=os.path.basename)
def test_every_question_states_its_points(path):
    got = points(path, "Questions", EN_POINTS)
    assert got and sorted(got) == list(range(1, len(got) + 1))


@pytest.mark.parametrize("path", L.zh_lab_files(), ids=os.path.basename)
def test_chinese_questions_give_the_same_points(path):
    en = os.path.join(L.LABS, os.path.basename(path))
    assert points(path, "思考题", ZH_POINTS) == points(en, "Questions", EN_POINTS)


def key_paths(expr):
    if isinstance(expr, str):
        yield expr
    elif isinstance(expr, list):
        for e in expr[1:]:
            yield from key_paths(e)


@pytest.mark.parametrize("path", KEY_FILES, ids=os.path.basename)
def test_answer_key_measures_instead_of_quoting(path):
    """A key names a command and a value of its --json report for each answer id;
    its measured points fit in the question's points, the rest left to the instructor."""
    with open(path, encoding="utf-8") as f:
        key = json.load(f)
    lab = os.path.basename(path)[:-5]
    assert key["lab"] == lab
    qpoints = points(os.path.join(L.LABS, lab + ".md"), "Questions", EN_POINTS)
    used = {}
    for aid, item in key["answers"].items():
        assert ca.ANSWER_ID.match(aid) and aid.rstrip("abcdefghij") == str(item["question"])
        assert set(item) <= {"question", "points", "asks", "run", "value", "tolerance"}, aid
        assert "--json" in item["run"], f"{aid}: the answer comes from the --json report"
        for p in key_paths(item["value"]):
            assert all(ca.STEP.match(s) for s in p.split(".")), f"{aid}: bad path {p!r}"
        used[item["question"]] = used.get(item["question"], 0) + item["points"]
    for q, pts in used.items():
        assert q in qpoints and pts < qpoints[q], f"question {q}: {pts} measured of {qpoints.get(q)}"


def test_keys_are_kept_apart_from_the_student_text():
    for path in L.lab_files() + L.zh_lab_files():
        assert "solutions/answers" not in L.read(path), path


# --- the answer-file parser, with hostile files (no KVM needed) ---

def test_parser_reads_ids_values_and_comments():
    lab, got = ca.parse_answers(b"# mine\r\nlab: capstone\n\n4a: 1,024\n4b: 0x10\n5: 2.5\n6: hlt\n1: ?\n", "f")
    assert lab == "capstone"
    assert {k: v for k, (v, _) in got.items()} == {"4a": 1024, "4b": 16, "5": 2.5, "6": "hlt"}


@pytest.mark.parametrize("data,why", [
    (b"", "no 'lab:' line"),
    (b"4a: 8\nlab: capstone\n", "answers before the 'lab:' line"),
    (b"lab: capstone\nlab: capstone\n", "a second 'lab:' line"),
    (b"lab: ../../etc/passwd\n", "is not a lab name"),
    (b"lab: capstone\n4a: 8\n4a: 9\n", "given twice (first on line 2)"),
    (b"lab: capstone\n4a 8\n", "expected 'ID: VALUE'"),
    (b"lab: capstone\n4a:\n", "expected 'ID: VALUE'"),
    (b"lab: capstone\nq4: 8\n", "is not an answer id"),
    (b"lab: capstone\n4a: 8; rm -rf /\n", "is not a number or a word"),
    (b"lab: capstone\n4a: 1,02,4\n", "is not a number or a word"),
    (b"lab: capstone\n4a: " + b"9" * 100 + b"\n", "longer than 64 characters"),
    (b"lab: capstone\n# " + b"x" * 300 + b"\n", "line longer than 256"),
    (b"lab: capstone\n4a: \xff\xfe\n", "not UTF-8"),
    (b"\x7fELF\x02\x01\x01\x00\x00", "NUL bytes"),
    (b"lab: capstone\n" + b"# pad\n" * 20000, "larger than 65536 bytes"),
])
def test_parser_refuses_hostile_files(data, why):
    with pytest.raises(ca.Malformed, match=re.escape(why)):
        ca.parse_answers(data, "f")


def test_expression_selects_one_element_or_names_what_is_missing():
    doc = {"exits": {"total": 7, "ports": [{"port_hex": "0xe9", "dir": "out", "exits": 6},
                                           {"port_hex": "0xe9", "dir": "in", "exits": 1}]},
           "console": {"text": "abc"}}
    assert ca.evaluate(["round", ["*", 3, ["/", "exits.ports[port_hex=0xe9,dir=out].exits",
                                           ["len", "console.text"]]]], doc) == 6
    with pytest.raises(ca.Unmeasured, match="2 elements match"):
        ca.evaluate("exits.ports[port_hex=0xe9].exits", doc)
    with pytest.raises(ca.Unmeasured, match="has no 'exits.by_reason'"):
        ca.evaluate("exits.by_reason", doc)
    with pytest.raises(ca.Unmeasured, match="division by zero"):
        ca.evaluate(["/", "exits.total", 0], doc)


# --- the checker end to end, against this host's own measurements ---

def check(path, *extra):
    env = dict(os.environ, KVMLAB_BUILD=BUILD)
    return subprocess.run([SCRIPT, *extra, str(path)], capture_output=True, text=True, timeout=300,
                          env=env, cwd=L.ROOT)


def measured_capstone():
    """The capstone answers, read here from kvmlab's reports independently of the key."""
    four = run_kvmlab("run", "labs/capstone-example", "--quiet", "--json", json_out=True).doc
    eight = run_kvmlab("run", "labs/capstone-example", "--mem", "8M", "--quiet", "--json", json_out=True).doc
    rep = run_kvmlab("run", "rep-outsb", "--quiet", "--json", json_out=True).doc
    out = sum(p["exits"] for p in rep["exits"]["ports"] if p["port_hex"] == "0xe9" and p["dir"] == "out")
    return {"4a": four["exits"]["total"], "4b": eight["exits"]["total"],
            "5": round(3 * out / len(rep["console"]["text"].encode()))}


def write(tmp_path, lab, answers):
    p = tmp_path / "my.answers"
    p.write_text(f"lab: {lab}\n" + "".join(f"{k}: {v}\n" for k, v in answers.items()))
    return p


LINE = re.compile(r"^(\w+): (got \S+|not answered), measured (\S+) \(kvmlab .+\): (\d+)/(\d+)$")


def test_correct_answers_get_every_measured_point(kvm, tmp_path):
    want = measured_capstone()
    r = check(write(tmp_path, "capstone", want))
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("check-answers: capstone (labs/capstone.md)")
    rows = [LINE.match(x) for x in lines[1:-1]]
    assert all(rows) and [m.group(1) for m in rows] == ["4a", "4b", "5"]
    assert all(m.group(3) == str(want[m.group(1)]) and m.group(4) == m.group(5) for m in rows)
    assert re.match(r"^total: 3/3 measured; \d+ more points graded by the instructor$", lines[-1])


def test_wrong_and_missing_answers_lose_their_points(kvm, tmp_path):
    want = measured_capstone()
    r = check(write(tmp_path, "capstone", {"4a": want["4a"] + 1, "5": want["5"]}))
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(rf"^4a: got {want['4a'] + 1}, measured {want['4a']} .*: 0/1$", r.stdout, re.M)
    assert re.search(rf"^4b: not answered, measured {want['4b']} .*: 0/1$", r.stdout, re.M)
    assert re.search(r"^total: 1/3 measured", r.stdout, re.M)


def test_template_lists_every_id_and_grades_as_unanswered(kvm, tmp_path):
    t = subprocess.run([SCRIPT, "--template", "three-ways-io"], capture_output=True, text=True, check=True)
    p = tmp_path / "t.answers"
    p.write_text(t.stdout)
    assert re.findall(r"^(\w+): \?$", t.stdout, re.M) == ["1a", "1b"]
    r = check(p)
    assert r.returncode == 1 and r.stdout.count("not answered") == 2


@pytest.mark.parametrize("content,why", [
    ("lab: no-such-lab\n1: 2\n", "lab 'no-such-lab' has no measured answers"),
    ("lab: capstone\n9: 2\n", "line 2: lab capstone has no measured answer 9"),
    ("lab: capstone\n4a: eight exits\n", "my.answers:2: answer 4a: value 'eight exits' is not a number or a word"),
])
def test_malformed_answer_file_is_one_line_exit_2(tmp_path, content, why):
    p = tmp_path / "my.answers"
    p.write_text(content)
    r = check(p)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("check-answers: ") and why in r.stderr


def test_missing_file_and_bad_usage_exit_2(tmp_path):
    r = check(tmp_path / "absent")
    assert r.returncode == 2 and "No such file" in r.stderr
    r = subprocess.run([SCRIPT], capture_output=True, text=True)
    assert r.returncode == 2 and "usage:" in r.stderr


def test_fifo_or_folder_is_refused_without_reading(tmp_path):
    os.mkfifo(tmp_path / "fifo")       # opening it would block until a writer came
    for name in ("fifo", ""):
        r = check(tmp_path / name)
        assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr


def test_no_kvmlab_to_measure_with_exits_3(tmp_path):
    p = write(tmp_path, "capstone", {"4a": 8})
    r = check(p, "--build", str(tmp_path))
    assert r.returncode == 3 and "cannot measure" in r.stderr and "build kvmlab first" in r.stderr


@pytest.mark.parametrize("path", KEY_FILES, ids=os.path.basename)
def test_every_key_measures_a_number_on_this_host(kvm, tmp_path, path):
    """Each key's command runs and its expression finds a number in the report
    (a renamed JSON key or payload would make the checker exit 3)."""
    lab = os.path.basename(path)[:-5]
    t = subprocess.run([SCRIPT, "--template", lab], capture_output=True, text=True, check=True)
    p = tmp_path / "t.answers"
    p.write_text(t.stdout)
    r = check(p)
    assert r.returncode == 1, r.stdout + r.stderr
    rows = [LINE.match(x) for x in r.stdout.splitlines()[1:-1]]
    assert rows and all(rows), r.stdout
    assert all(re.match(r"^-?\d+(\.\d+)?$", m.group(3)) for m in rows), r.stdout
