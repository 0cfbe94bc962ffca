"""The Node engine and the Python engine render the same scenarios alike.

Each scenario in conformance/scenarios/ is rendered offline by the Python package (public API,
conformance/render_python.py) and by the Node package (js/conformance/render.ts, run with
Node). Claims, per 20 ms block: the level envelopes agree within 0.5 dB wherever either is
above -60 dBFS (a block may match its neighbour, so an onset may move by one block), and every
onset (silence to sound) falls within one block in both. The decoders (FFmpeg's libopus vs a
WebAssembly libopus) and the resamplers (soxr vs ours) differ, so samples are close, not equal.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "js"
SCENARIOS = sorted((ROOT / "conformance" / "scenarios").glob("*.json"))
FLOOR_DB = -60.0
TOLERANCE_DB = 0.5


def _load_renderer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "conformance_render_python", ROOT / "conformance" / "render_python.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


render_python = _load_renderer()


def _node_ready() -> None:
    if shutil.which("node") is None:
        pytest.fail("Node.js is not installed; the conformance test needs node >= 20 (see js/)")
    if not (JS / "node_modules" / "tsx").is_dir():
        pytest.fail("js/node_modules is missing; run `npm ci` in js/ (make test does)")


def render_node(scenario_path: Path, files: dict[str, str], workdir: Path) -> np.ndarray:
    files_path = workdir / "files.json"
    files_path.write_text(json.dumps(files))
    out = workdir / "node.f32"
    command = ["node", "--import", "tsx", "conformance/render.ts"]
    subprocess.run(
        [*command, str(scenario_path), str(files_path), str(out)],
        cwd=JS,
        check=True,
        timeout=240,
        capture_output=True,
    )
    return np.fromfile(out, dtype="<f4")


def block_levels(audio: np.ndarray, block: int) -> np.ndarray:
    """RMS level per block in dB (all channels), floored at -120 dB."""
    frames = len(audio) // block
    blocks = audio[: frames * block].reshape(frames, -1).astype(np.float64)
    rms = np.sqrt(np.mean(blocks**2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def onsets(levels: np.ndarray) -> list[int]:
    """Blocks where the mix goes from (near) silence to sound."""
    loud = levels > FLOOR_DB
    return [i for i in range(1, len(loud)) if loud[i] and not loud[i - 1]] + (
        [0] if len(loud) and loud[0] else []
    )


@pytest.mark.parametrize("scenario_path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_node_renders_like_python(scenario_path: Path, tmp_path: Path) -> None:
    _node_ready()
    scenario = json.loads(scenario_path.read_text())
    files = render_python.make_sounds(scenario, tmp_path)
    python = render_python.render_sync(scenario, files)
    node = render_node(scenario_path, files, tmp_path)

    channels = scenario["numChannels"]
    python = python.reshape(-1)
    assert len(node) == len(python), f"{len(node) / channels} frames vs {len(python) / channels}"
    block = round(scenario["frameDuration"] * scenario["sampleRate"]) * channels
    lp, ln = block_levels(python, block), block_levels(node, block)
    assert (lp > FLOOR_DB).mean() > 0.5, "the scenario is mostly sound, so the claims are real"

    # Envelopes: each block matches the other engine's same block or a neighbour.
    worst = 0.0
    for i in range(len(lp)):
        if max(lp[i], ln[i]) <= FLOOR_DB:
            continue
        nearby = ln[max(0, i - 1) : i + 2]
        diff = float(np.min(np.abs(np.maximum(nearby, FLOOR_DB - 20) - max(lp[i], FLOOR_DB - 20))))
        worst = max(worst, diff)
        assert diff <= TOLERANCE_DB, (
            f"block {i} ({i * block / channels / scenario['sampleRate']:.2f} s): "
            f"python {lp[i]:.2f} dB, node {ln[i]:.2f} dB"
        )

    # Onsets: the same ones, each within one block.
    op, on = onsets(lp), onsets(ln)
    assert len(op) == len(on), f"onsets python {op}, node {on}"
    for a, b in zip(sorted(op), sorted(on), strict=True):
        assert abs(a - b) <= 1, f"onset at block {a} (python) vs {b} (node)"
