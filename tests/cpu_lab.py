"""Running a labs/*.md command the way tests/test_labs.py does (bash, repository
root, `build/` mapped to KVMLAB_BUILD), for the tests that assert what the CPU
labs (real-to-long.md, vcpu-threads.md) claim about the output."""
import os
import re
import subprocess

from conftest import BUILD, PAYLOADS, PROCESS_TIMEOUT, ROOT
from labtools import lab_lock


def lab_command(cmd, timeout=PROCESS_TIMEOUT):
    build = os.path.relpath(BUILD, ROOT)
    mapped = re.sub(r"(?<![\w./-])build/", build + "/", cmd)
    env = dict(os.environ)
    env.setdefault("KVMLAB_PAYLOADS", PAYLOADS)
    with lab_lock(cmd):         # scratch files in build/ shared with test_labs.py (labtools.py)
        return subprocess.run(["bash", "-c", mapped], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)


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
