"""Every command of every lab, run as a student runs it, in shards.

A lab command is a `$ ` line of a ```console block (labs/README.md, "Writing
a lab"); it runs from the repository root with `build/` mapped to
KVMLAB_BUILD, and must exit with the code of its `# exit N` comment (default
0); every output line shown under it must still be printed (scripts/lab-samples
regenerates them).  The commands take most of the suite's time, so they are
split over SHARDS test modules (tests/test_labs_run_K.py) that pytest-xdist
runs on different workers.  A shard holds whole labs, English and Chinese
together (the same file name), because a later command of a lab may need an
earlier one's files and a Chinese lab repeats its English lab's commands: each
runs once per process.
"""
import os

import pytest

import labtools as L

SHARDS = 3

ALL = (L.lab_files() + [os.path.join(L.LABS, "README.md")] + L.zh_lab_files() +
       [p for p in [os.path.join(L.ZH, "README.md")] if os.path.exists(p)])


def _assign(paths):
    """Lab names (labs/X.md and labs/zh/X.md are one) to shards, largest first onto
    the lightest shard by command count: deterministic, and about even."""
    count = {}
    for p in paths:
        name = os.path.basename(p)
        count[name] = count.get(name, 0) + len(L.parse_commands(L.read(p)))
    load, where = [0] * SHARDS, {}
    for name in sorted(count, key=lambda n: (-count[n], n)):
        k = load.index(min(load))
        where[name] = k
        load[k] += count[name]
    return where


_SHARD = _assign(ALL)


def shard_of(path):
    """The shard of a lab file: by its name, so labs/X.md and labs/zh/X.md go together."""
    return _SHARD[os.path.basename(path)]


def _distinct_commands(paths):
    """Each distinct (command, code) once, named by its first place."""
    seen = {}
    for p in paths:
        rel = os.path.relpath(p, L.LABS)
        for n, cmd, code in L.parse_commands(L.read(p)):
            seen.setdefault((cmd, code), (rel, n, p))
    return [(rel, n, cmd, code, p) for (cmd, code), (rel, n, p) in seen.items()]


COMMANDS = _distinct_commands(ALL)
SAMPLES = [(p, cmd, code, shown) for p in ALL for cmd, code, shown in L.sample_blocks(L.read(p))]
_RUNS = {}


def run_once(cmd):
    """A lab command's result, run at most once per test process."""
    if cmd not in _RUNS:
        _RUNS[cmd] = L.run_command(cmd)
    return _RUNS[cmd]


def shard_tests(k):
    """The two tests of shard k: every command of its labs exits as documented,
    and prints what its lab shows."""
    commands = [c[:4] for c in COMMANDS if shard_of(c[4]) == k]
    samples = [s for s in SAMPLES if shard_of(s[0]) == k]

    @pytest.mark.lab_commands
    @pytest.mark.parametrize("lab,line,cmd,code", commands, ids=[f"{c[0]}:{c[1]}" for c in commands])
    def test_lab_command_exits_as_documented(kvm, require, lab, line, cmd, code):
        need = L.command_requirements(cmd, code)
        for tool in need["tools"]:
            require(tool=tool)
        require(cpus=need["cpus"], ktrace=need.get("ktrace", False),
                root=need.get("root", False) or need.get("memcg", False))
        if need.get("memcg") and not L.memory_cgroup():
            pytest.skip("requires a memory cgroup hierarchy (cgroup v2 with the memory controller, or v1 memory)")
        r = run_once(cmd)
        assert r.returncode == code, (
            f"labs/{lab}:{line}: `{cmd}` exited {r.returncode}, the lab says {code}\n"
            f"stdout: {r.stdout[-2000:]}\nstderr: {r.stderr[-2000:]}")

    @pytest.mark.lab_commands
    @pytest.mark.parametrize("path,cmd,code,shown", samples,
                             ids=[f"{os.path.relpath(s[0], L.LABS)}:{s[3][0][0] + 1}" for s in samples])
    def test_sample_output_is_what_the_command_prints(kvm, require, path, cmd, code, shown):
        for _, before, _ in L.parse_commands(L.read(path)):
            if before == cmd:
                break
            run_once(before)            # a later command may need an earlier one's files
        need = L.command_requirements(cmd, code)
        for tool in need["tools"]:
            require(tool=tool)
        require(cpus=need["cpus"], root=need.get("root", False))
        r = run_once(cmd)
        assert r.returncode == code, r.stderr[-2000:]
        _, missing = L.sample_match([s for _, s in shown], L.command_output_lines(r))
        assert missing is None, (
            f"{os.path.relpath(path, L.ROOT)}: `{cmd}` no longer prints a line like {missing!r}; "
            "edit the lab or run scripts/lab-samples")

    return test_lab_command_exits_as_documented, test_sample_output_is_what_the_command_prints
