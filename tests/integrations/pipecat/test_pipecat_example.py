"""The example bot answers --help without keys, network or Pipecat import cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "pipecat_bot.py"


def test_example_help_runs_without_keys() -> None:
    command = [sys.executable, str(EXAMPLE), "--help"]
    out = subprocess.run(command, check=False, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "--sample-rate" in out.stdout and "--mode" in out.stdout
