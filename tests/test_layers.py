"""The layers hold: the core imports no integration and no framework until one is used."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def modules_after(code: str) -> set[str]:
    """The modules loaded by a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_import_roomtone_imports_no_integration_and_no_framework() -> None:
    loaded = modules_after("import roomtone")
    assert not {m for m in loaded if m.startswith("roomtone.integrations.")}
    assert not {m for m in loaded if m.split(".")[0] in {"livekit", "pipecat"}}


def test_a_livekit_room_loads_its_integration_by_itself() -> None:
    """``start(room=rtc.Room())`` needs no extra import: the registry finds the integration."""
    loaded = modules_after(
        "from livekit import rtc\n"
        "from roomtone.registry import OutputRequest, resolve_output\n"
        "output = resolve_output(rtc.Room(), OutputRequest())\n"
        "assert type(output).__name__ == 'RoomOutput', output"
    )
    assert "roomtone.integrations.livekit" in loaded
    assert "roomtone.integrations.pipecat" not in loaded


def test_unknown_objects_are_refused_without_loading_anything() -> None:
    loaded = modules_after(
        "from roomtone.registry import OutputRequest, resolve_output\n"
        "assert resolve_output(object(), OutputRequest()) is None"
    )
    assert not {m for m in loaded if m.startswith("roomtone.integrations.")}


def test_the_layer_contract_is_kept() -> None:
    """The same check ``make lint`` runs (import-linter, contracts in pyproject.toml)."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
