"""The coding track (labs/code/README.md): every exercise's skeleton builds and
fails its checks, every reference solution gets full marks, the grader's
output has one stable form, and each statement (English and Chinese) lists
exactly the checks and points its grader awards.

The grader links against the normal build's objects (build/obj), whatever
KVMLAB_BUILD the suite runs against, so the module is build independent."""
import glob
import os
import re
import subprocess

import pytest

import labtools as L

pytestmark = pytest.mark.build_independent

ROOT = L.ROOT
CODE = os.path.join(ROOT, "labs", "code")
ZH_CODE = os.path.join(ROOT, "labs", "zh", "code")
SOLUTIONS = os.path.join(ROOT, "labs", "solutions")
EXERCISES = sorted(int(m.group(1)) for d in glob.glob(os.path.join(CODE, "ex[0-9][0-9]"))
                   if (m := re.search(r"ex(\d\d)$", d)))
NEEDS_KVM = {5}                         # exercise 5 runs its payload in a VM
GRADE_TIMEOUT = 300                     # seconds: the first build links kvmlab's objects

# The grader's whole output vocabulary (labs/code/grade.h, scripts/grade).
HEADER = re.compile(r"^grade: exercise (\d+), (\S+)$")
CHECK = re.compile(r"^(?!total: )(\S.*): (\d+)/(\d+)$")
HINT = re.compile(r"^  # \S.*$")
TOTAL = re.compile(r"^total: (\d+)/(\d+)$")

EN_HEADINGS = ["Goal", "What to write", "Checks", "Hints", "Grade"]
ZH_HEADINGS = ["目标", "要写的代码", "检查项", "提示", "评分"]


def grade(ex, src=None):
    args = ["make", "--no-print-directory", "-s", "BUILD=build", "grade", f"EX={ex}"]
    if src:
        args.append(f"SRC={src}")
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=GRADE_TIMEOUT)


def parse(out):
    """[(check, got, points)], (got, max) from the grader's stdout; asserts its form."""
    lines = [line for line in out.splitlines() if not line.startswith("make")]
    assert lines and HEADER.match(lines[0]), f"first line is not the grader's header: {lines[:1]}"
    checks, total = [], None
    for line in lines[1:]:
        assert total is None, f"output after the total: {line!r}"
        if m := TOTAL.match(line):
            total = (int(m.group(1)), int(m.group(2)))
        elif m := CHECK.match(line):
            got, pts = int(m.group(2)), int(m.group(3))
            assert 0 <= got <= pts and pts > 0, line
            checks.append((m.group(1), got, pts))
        else:
            assert HINT.match(line), f"not a check, hint or total line: {line!r}"
    assert total, "no total line"
    assert total == (sum(c[1] for c in checks), sum(c[2] for c in checks)), "total is not the sum of the checks"
    return checks, total


def statement(ex, zh=False):
    found = glob.glob(os.path.join(ZH_CODE if zh else CODE, f"{ex:02d}-*.md"))
    assert len(found) == 1, f"exercise {ex}: one statement expected, found {found}"
    return found[0]


def table_rows(text, title):
    """(check, points) rows of the table under ## title; backticks and a (...) note dropped."""
    rows = []
    for line in L.section(text, title).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1].isdigit():
            name = re.sub(r"[（(][^)）]*[)）]\s*$", "", cells[0]).replace("`", "").strip()
            rows.append((name, int(cells[1])))
    return rows


def test_there_are_at_least_five_exercises():
    assert len(EXERCISES) >= 5 and EXERCISES == list(range(1, len(EXERCISES) + 1)), EXERCISES


@pytest.mark.parametrize("ex", EXERCISES)
def test_skeleton_builds_and_fails_its_checks(ex):
    r = grade(ex)
    assert "does not build" not in r.stderr, f"skeleton of exercise {ex} does not build\n{r.stderr}"
    assert r.returncode != 0, "make grade must fail below full marks"
    checks, (got, total) = parse(r.stdout)
    assert got < total, f"the skeleton of exercise {ex} already gets full marks"


@pytest.mark.parametrize("ex", EXERCISES)
def test_solution_gets_full_marks(ex, request):
    if ex in NEEDS_KVM:
        request.getfixturevalue("kvm")          # skips, naming the requirement, without /dev/kvm
    r = grade(ex, os.path.join("labs", "solutions", f"ex{ex:02d}"))
    checks, (got, total) = parse(r.stdout)
    assert r.returncode == 0 and got == total, f"exercise {ex} solution: {r.stdout}{r.stderr}"


@pytest.mark.parametrize("ex", EXERCISES)
@pytest.mark.parametrize("zh", [False, True], ids=["en", "zh"])
def test_statement_lists_the_graders_checks(ex, zh):
    """The statement's table is the grader's checks, names and points, in order."""
    text = L.read(statement(ex, zh))
    want = [h for h in (ZH_HEADINGS if zh else EN_HEADINGS)]
    assert L.headings(text, 2) == want, f"{statement(ex, zh)}: sections {L.headings(text, 2)} != {want}"
    checks, _ = parse(grade(ex).stdout)
    assert table_rows(text, want[2]) == [(c[0], c[2]) for c in checks]
    assert f"make grade EX={ex}" in text


def test_english_and_chinese_statements_pair_up():
    en = sorted(os.path.basename(p) for p in glob.glob(os.path.join(CODE, "*.md")))
    zh = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ZH_CODE, "*.md")))
    assert en == zh and "README.md" in en


@pytest.mark.parametrize("readme", [os.path.join(CODE, "README.md"), os.path.join(ZH_CODE, "README.md"),
                                    os.path.join(ROOT, "labs", "README.md"),
                                    os.path.join(ROOT, "labs", "zh", "README.md")])
def test_every_exercise_is_linked(readme):
    text = L.read(readme)
    prefix = "" if os.path.dirname(readme).endswith("code") else "code/"
    for ex in EXERCISES:
        name = prefix + os.path.basename(statement(ex))
        assert f"]({name})" in text, f"{readme} does not link {name}"


def test_solutions_are_kept_apart():
    """Students get labs/code/; nothing there is, or points at, a solution."""
    for path in glob.glob(os.path.join(CODE, "**", "*"), recursive=True) + \
            glob.glob(os.path.join(ZH_CODE, "*")):
        if os.path.isfile(path):
            assert "labs/solutions" not in L.read(path), f"{path} points at the solutions"
    for ex in EXERCISES:
        assert os.path.exists(os.path.join(SOLUTIONS, f"ex{ex:02d}", "student.c"))


@pytest.mark.parametrize("ex,why", [("99", "no exercise 99"), ("x", "EX must be an exercise number"),
                                    ("", "EX must be an exercise number")])
def test_bad_exercise_is_one_line_error(ex, why):
    r = grade(ex)
    assert r.returncode != 0 and why in r.stderr and "grade:" in r.stderr


def test_code_that_does_not_build_exits_2(tmp_path):
    (tmp_path / "student.c").write_text("this is not C\n")
    r = grade(1, str(tmp_path))
    assert r.returncode != 0 and "does not build" in r.stderr and "total:" not in r.stdout
