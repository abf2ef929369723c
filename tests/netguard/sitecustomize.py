"""Run at start-up by every Python process a test starts (tests/conftest.py puts this directory on PYTHONPATH):
the loopback-only network guard, installed before the child's own code runs."""

import loopback_only

loopback_only.install_in_child()
