"""Helpers shared by the cogs: autocomplete, option descriptions, pagination, chart files."""
