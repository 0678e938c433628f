"""Reading the lab guide as data: lab files, their headings, their commands.

labs/*.md follow one template (BRIEF, labs/README.md); the commands a student
types sit in ```console blocks, one per line after `$ `, run from the
repository root; a trailing `# exit N` gives the expected exit code (default 0).
tests/labrun.py runs every such command (in shards, tests/test_labs_run_*.py); tests/test_lab_*.py assert what a
lab says about the output of the same commands, fetched from here so that the
test and the text cannot drift apart.
"""
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABS = os.path.join(ROOT, "labs")
DOCS = os.path.join(ROOT, "docs")
BUILD_DIR = os.environ.get("KVMLAB_BUILD", "build")   # as conftest.py: make coverage uses build/cov

# The template every lab follows, in this order (BRIEF.md, "Labs").
TEMPLATE = ["Goal", "Concepts", "Background", "Steps", "Predict, then observe",
            "What you should see", "Questions", "Instructor notes"]

# One bound per lab command; a lab's own --timeout is far below it.
COMMAND_TIMEOUT = 60

_EXIT_COMMENT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")
_FENCE = re.compile(r"^(```|~~~)\s*([\w+-]*)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
# `build/` at the start of a path (not inside another path or word).
_BUILD_PREFIX = re.compile(r"(?<![\w./-])build/")


def lab_files():
    """Every lab, README.md (the course map) excluded, sorted by file name."""
    return sorted(p for p in glob.glob(os.path.join(LABS, "*.md"))
                  if os.path.basename(p) != "README.md")


ZH = os.path.join(LABS, "zh")
# The same template in the Chinese labs (labs/zh/), heading for heading.
TEMPLATE_ZH = ["目标", "概念", "背景", "步骤", "先预测，再观察", "你应该看到什么", "思考题", "教师备注"]


def zh_lab_files():
    """Every Chinese lab (labs/zh/), README.md excluded, sorted by file name."""
    return sorted(p for p in glob.glob(os.path.join(ZH, "*.md"))
                  if os.path.basename(p) != "README.md")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_comments(text):
    """Markdown without HTML comments: what a reader of the rendered page sees."""
    return _HTML_COMMENT.sub("", text)


def outside_fences(text):
    """(line number, line) for every line not inside a fenced code block."""
    fence = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif line.strip() == fence:
                fence = None
            continue
        if fence is None:
            yield n, line


def headings(text, level):
    """Titles of the headings of exactly this level (1 = `#`), code blocks skipped."""
    mark = "#" * level + " "
    return [line[len(mark):].strip() for _, line in outside_fences(text)
            if line.startswith(mark)]


def section(text, title):
    """The body of the `## title` section (up to the next `## `), code blocks included."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith("## "):
            inside = line[3:].strip() == title
            continue
        if inside:
            out.append(line)
    return "\n".join(out)


def parse_commands(text):
    """[(line number, command, expected exit code)] of every ```console block."""
    cmds, fence, lang = [], None, None
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if m and fence is None:
            fence, lang = m.group(1), m.group(2)
            continue
        if fence is not None and line.strip() == fence:
            fence = lang = None
            continue
        if lang == "console" and line.startswith("$ "):
            cmd, code = line[2:].rstrip(), 0
            m = _EXIT_COMMENT.search(cmd)
            if m:
                code = int(m.group(1))
                cmd = cmd[:m.start()].rstrip()
            cmds.append((n, cmd, code))
    return cmds


# Tools a lab command may call; a host without one skips that command, naming it.
_TOOLS = {"strace": "strace", "taskset": "taskset", "gnuplot": "gnuplot", "scripts/plot-bench": "gnuplot", "scripts/plot-ktrace": "gnuplot", "scripts/plot-migration": "gnuplot",
          "pandoc": "pandoc", "qemu-img": "qemu-img", "qemu-storage-daemon": "qemu-storage-daemon",
          "nsenter": "nsenter", "ping": "ping"}


def command_requirements(cmd, code=0):
    """What a lab command needs from the host: {"tools": [...], "cpus": N}, and
    "ktrace": True when it records KVM's tracepoints (root, tracefs).  A --pin list
    needs its highest CPU online, unless the command is the lab's own error example
    (a non-zero documented exit code)."""
    tools = sorted({t for word, t in _TOOLS.items() if re.search(rf"(^|[\s;&|(]){re.escape(word)}\b", cmd)})
    cpus = 1
    if code == 0:
        for m in re.finditer(r"--pin[ =]([\d,]+)", cmd):
            cpus = max(cpus, max(int(c) for c in m.group(1).split(",") if c) + 1)
    need = {"tools": tools, "cpus": cpus}
    if re.search(r"--ktrace\b", cmd):
        need["ktrace"] = True
    if re.search(r"--net\b|scripts/ksm-pair\b", cmd):
        need["root"] = True                 # a network namespace and a tap; KSM's global switches
    if re.search(r"scripts/overcommit\b", cmd):
        need["memcg"] = True            # root and a memory cgroup hierarchy (the script exits 77 without)
    return need


def memory_cgroup():
    """Whether a cgroup hierarchy with the memory controller is mounted (v2 or v1)."""
    with open("/proc/mounts") as f:
        for line in f:
            mnt, fstype, opts = line.split()[1:4]
            if fstype == "cgroup" and "memory" in opts.split(","):
                return True
            if fstype == "cgroup2":
                try:
                    with open(os.path.join(mnt, "cgroup.controllers")) as c:
                        if "memory" in c.read().split():
                            return True
                except OSError:
                    pass
    return False


def map_build(cmd, build_dir=None):
    """The command with `build/` pointing at KVMLAB_BUILD (build/cov, an ASan build ...)."""
    build_dir = (build_dir or BUILD_DIR).rstrip("/")
    return _BUILD_PREFIX.sub(lambda m: build_dir + "/", cmd)


def lab_command(lab, needle):
    """The one command of labs/<lab>.md containing needle: (command, expected code)."""
    # A command repeated with its sample output ("What you should see") is one command.
    found = list(dict.fromkeys((c, code) for _, c, code in parse_commands(read(os.path.join(LABS, lab + ".md")))
                               if needle in c))
    assert len(found) == 1, f"labs/{lab}.md: expected one command containing {needle!r}, got {found}"
    return found[0]


# What kvmlab builds into build/ (make all): a command naming only these shares no scratch file.
_BUILT = {"kvmlab", "kvmlab-vhost-blk", "kvmlab.1", "payloads", "rawloop", "unit-tests", "unit-io-pure"}
_BUILD_NAME = re.compile(r"(?<![\w./-])build/([\w.-]+)")


def scratch_names(cmd):
    """The scratch files and folders in build/ a command names (build/live.sock,
    build/lab-regress/...: the first name after build/), sorted; built files left out."""
    return sorted({n for n in _BUILD_NAME.findall(cmd) if n not in _BUILT})


@contextlib.contextmanager
def ksm_lock():
    """Held while scripts/ksm-pair owns KSM's global switches (it stops ksmd, then
    starts it): make test's two passes both run it, and one's ksmd would merge the
    other's pages early.  In build/ itself, which both passes share (each pass's
    own folder is build/ or build/inst)."""
    locks = os.path.join(ROOT, "build", ".lab-locks")
    os.makedirs(locks, exist_ok=True)
    with open(os.path.join(locks, "ksm-global.lock"), "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)        # released when the file closes
        yield


@contextlib.contextmanager
def lab_lock(cmd):
    """Held while one lab command runs.  Labs write scratch files into build/
    (build/real-to-long.trace, build/capstone-example.bin, ...) that tests in
    other files write and read too; under pytest-xdist two workers would
    otherwise see each other's half-written files.  One lock per scratch name
    the command mentions, taken in sorted order (so two commands never wait on
    each other in a cycle): commands that share no scratch file run side by side."""
    locks = os.path.join(ROOT, BUILD_DIR, ".lab-locks")
    os.makedirs(locks, exist_ok=True)
    with contextlib.ExitStack() as held:
        for name in scratch_names(cmd):
            f = held.enter_context(open(os.path.join(locks, name + ".lock"), "a"))
            fcntl.flock(f, fcntl.LOCK_EX)        # released when the file closes
        if re.search(r"scripts/ksm-pair\b", cmd):
            held.enter_context(ksm_lock())      # always the last lock taken
        yield


def _run(cmd, timeout):
    env = dict(os.environ)
    env.setdefault("KVMLAB_PAYLOADS", os.path.join(ROOT, BUILD_DIR, "payloads"))
    # make asan: LeakSanitizer's exit check ptrace()s the process, which fails
    # under strace and is forbidden by --sandbox; only those runs skip it.
    if "ASAN_OPTIONS" in env and ("strace" in cmd or "--sandbox" in cmd):
        env["ASAN_OPTIONS"] = env["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    with lab_lock(cmd):
        return subprocess.run(["bash", "-c", map_build(cmd)], cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)


_SHARED = {}


def run_command(cmd, timeout=COMMAND_TIMEOUT):
    """Runs one lab command as a student would (bash, repository root).

    A command that names no scratch file reads and writes nothing another
    command left, so its result is a fact of this build and host: it runs once
    per test session and every test asking for it gets that one result (the
    vcpu-threads and hello-kvm commands spin their guests for seconds, and
    tests/labrun.py and the lab's own test file both ask).  Under pytest-xdist
    the workers share it through build/.lab-results/RUN (PYTEST_XDIST_TESTRUNUID);
    the first worker runs it while the others wait on its lock."""
    if scratch_names(cmd):
        return _run(cmd, timeout)
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run:
        if cmd not in _SHARED:
            _SHARED[cmd] = _run(cmd, timeout)
        return _SHARED[cmd]
    top = os.path.join(ROOT, BUILD_DIR, ".lab-results")
    os.makedirs(os.path.join(top, run), exist_ok=True)
    path = os.path.join(top, run, hashlib.sha1(cmd.encode()).hexdigest())
    with open(path + ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(path):
            with open(path) as f:
                r = json.load(f)
            return subprocess.CompletedProcess(r["args"], r["returncode"], r["stdout"], r["stderr"])
        r = _run(cmd, timeout)
        with open(path + ".tmp", "w") as f:
            json.dump({"args": r.args, "returncode": r.returncode, "stdout": r.stdout, "stderr": r.stderr}, f)
        os.rename(path + ".tmp", path)
    for old in os.listdir(top):            # earlier runs' results: a day is long enough
        if old != run and time.time() - os.path.getmtime(os.path.join(top, old)) > 86400:
            shutil.rmtree(os.path.join(top, old), ignore_errors=True)
    return r


def links(text, suffix=".md"):
    """Targets of Markdown links [text](target) ending in suffix (anchors dropped)."""
    return [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text)
            if t.split("#")[0].endswith(suffix)]


# ---- sample output under a console command (scripts/lab-samples) ----
#
# Lines under a `$ ` command in a ```console block are sample output: real lines
# of that command's output (stdout, then stderr), possibly a selection of them,
# in their order; a line `...` stands for lines left out.  A line is matched by
# its key, the words that do not change between runs or hosts: numbers and hex
# values masked, the first word kept (two for kvmlab's own `kvmlab: x:` log
# lines, which all start alike).  scripts/lab-samples rewrites each shown line
# with the current output's line of the same key; tests/test_labs.py checks that
# every shown line still has one.

_SAMPLE_NUM = re.compile(r"0x[0-9a-fA-F]+|\d[\d.,]*")
ELLIPSIS = "..."


def sample_key(line):
    words = _SAMPLE_NUM.sub("#", line).split()
    if not words:
        return ("",)
    n = 2 if words[0].endswith(":") and len(words) > 1 and words[1].endswith(":") else 1
    return tuple(words[:n])


def sample_blocks(text):
    """[(command, expected code, [(line index, shown line)])] for every console
    command that has sample output under it; line indexes are 0-based."""
    out, fence, lang, cur = [], None, None, None
    for i, line in enumerate(text.splitlines()):
        m = _FENCE.match(line)
        if m and fence is None:
            fence, lang, cur = m.group(1), m.group(2), None
            continue
        if fence is not None and line.strip() == fence:
            fence = lang = cur = None
            continue
        if lang != "console":
            continue
        if line.startswith("$ "):
            cmd, code = line[2:].rstrip(), 0
            m = _EXIT_COMMENT.search(cmd)
            if m:
                code, cmd = int(m.group(1)), cmd[:m.start()].rstrip()
            cur = (cmd, code, [])
            out.append(cur)
        elif cur is not None:
            cur[2].append((i, line))
    return [b for b in out if b[2]]


def sample_match(shown, actual):
    """For each shown line, the line of actual (a list) with the same key, in
    order; `...` maps to itself.  Returns (matches, the first shown line without
    a match or None)."""
    matches, pos = [], 0
    for line in shown:
        if line.strip() == ELLIPSIS:
            matches.append(line)
            continue
        key = sample_key(line)
        for j in range(pos, len(actual)):
            if sample_key(actual[j]) == key:
                matches.append(actual[j])
                pos = j + 1
                break
        else:
            return matches, line
    return matches, None


def command_output_lines(result):
    """A command's output as sample lines: stdout, then stderr."""
    return (result.stdout + result.stderr).splitlines()
