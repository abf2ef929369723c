"""Run at start-up by every Python process a test starts (tests/conftest.py and bench/faults.py put this directory on PYTHONPATH):
the loopback-only network guard, installed before the child's own code runs."""

import sys

import loopback_only

loopback_only.install_in_child()

# One guard module whatever name imports it: the suite's conftest imports it as `testkit.netguard.loopback_only` (in pytest-xdist
# workers too, which are such child processes), and its record of attempts must be the one the guard writes to.
sys.modules.setdefault("testkit.netguard.loopback_only", loopback_only)
