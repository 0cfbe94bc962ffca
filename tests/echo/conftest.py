"""Echo tests collect their measured figures and print them as a table after the run."""

from __future__ import annotations

import pytest

FIGURES: list[str] = []


@pytest.fixture
def report():
    """Call with a line of figures; it is printed in the terminal summary."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter) -> None:
    if FIGURES:
        terminalreporter.section("echo cancellation figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
