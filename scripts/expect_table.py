#!/usr/bin/python3
"""Renders vmm/core/expect.def as the Markdown table in docs/backends.md.

  scripts/expect_table.py            print the table
  scripts/expect_table.py --update   rewrite it between the markers in docs/backends.md
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
from expect import parse  # noqa: E402


def cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


def render():
    lines = ["| id | area | cases | expect | when | kind | reason | citation | fixed in |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in parse():
        lines.append("| " + " | ".join(cell(r[k]) if r[k] else "-" for k in
                                       ("id", "area", "cases", "expect", "when", "kind", "reason", "cite", "fixed")) + " |")
    return "\n".join(lines) + "\n"


def main():
    table = render()
    if sys.argv[1:] == ["--update"]:
        path = os.path.join(ROOT, "docs", "backends.md")
        doc = open(path).read()
        new, n = re.subn(r"(<!-- expect-table begin.*?-->\n).*?(<!-- expect-table end -->)",
                         lambda m: m.group(1) + table + m.group(2), doc, flags=re.S)
        if n != 1:
            sys.exit("docs/backends.md: expect-table markers not found")
        open(path, "w").write(new)
    else:
        sys.stdout.write(table)


if __name__ == "__main__":
    main()
