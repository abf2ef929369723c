"""Pitboard's test support: local fakes of Discord, Reddit and the NASCAR feed, the Discord harness and sample data,
shared by tests/ and bench/."""
