"""Running a labs/*.md command the way tests/test_labs.py does (bash, repository
root, `build/` mapped to KVMLAB_BUILD), for the tests that assert what the CPU
labs (real-to-long.md, vcpu-threads.md) claim about the output."""
import os

from conftest import PROCESS_TIMEOUT, ROOT
from labtools import run_command


def lab_command(cmd, timeout=PROCESS_TIMEOUT):
    """The command's result, from the run tests/labrun.py makes of it too (labtools.run_command)."""
    return run_command(cmd, timeout)


def lab_commands(lab):
    """The `$ ` commands of labs/<lab> in order, with their `# exit N` codes."""
    with open(os.path.join(ROOT, "labs", lab)) as f:
        text = f.read()
    cmds, in_block = [], False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = line.strip() == "```console"
            continue
        if in_block and line.startswith("$ "):
            cmd, _, code = line[2:].partition("  # exit ")
            cmds.append((cmd.strip(), int(code) if code else 0))
    return cmds
