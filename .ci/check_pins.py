"""Fail when the venv holds a distribution that constraints.txt does not pin at that version.

`pip install -c constraints.txt` installs a dependency that the file does not name at whatever version is
newest, silently; this check turns a dependency added to pyproject.toml without `make lock` into an error.
Run with the venv's python: python .ci/check_pins.py constraints.txt
"""

import re
import sys
from importlib.metadata import distributions
from pathlib import Path

# The venv's own bootstrap (python -m venv) and the project itself are not pinned by the lock.
UNPINNED = {"pip", "setuptools", "pitboard"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(constraints: Path) -> int:
    pins = {}
    for line in constraints.read_text().splitlines():
        if match := PIN.match(line):
            pins[canonical(match[1])] = match[2]
    problems = []
    for dist in distributions():
        name = canonical(dist.metadata["Name"])
        if name in UNPINNED:
            continue
        if name not in pins:
            problems.append(f"{name} {dist.version} is installed but not pinned: `make lock` (`make clean` if unused)")
        elif pins[name] != dist.version:
            problems.append(f"{name} {dist.version} is installed but pinned at {pins[name]}: `make clean` and install again")
    for problem in sorted(problems):
        print(f"{constraints}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
