"""Wires the parbench plugin (options, fixtures, matrix, summary) into pytest."""

pytest_plugins = ["parbench.plugin"]
