"""Figures for docs/builtin-sounds.md and the README's built-in table, from the committed files.

python docs/builtin_sounds_figures.py

Writes docs/images/clips/<name>.png and prints, as Markdown: the README table (with what the
machine listener hears), the measured-figures table, and per clip the listener's top 3 at the
shipped level and its best expected class at -10 and +10 dB.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "clips"))

from signal_checks import (  # noqa: E402
    envelope_autocorrelation,
    max_autocorrelation,
    seam_jump_ratio,
)
from test_heard_as import GOALS  # noqa: E402

from roomtone.analysis.decode import decode_audio  # noqa: E402
from roomtone.analysis.listener import get_listener  # noqa: E402
from roomtone.clips import data_dir  # noqa: E402
from roomtone.clips.measure import describe_clips  # noqa: E402
from roomtone.clips.pictures import plot_spectrograms  # noqa: E402


def heard(hearing, count: int = 3) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"{name} {score:.2f}" for name, score in hearing.top(count))


def main() -> None:
    plot_spectrograms(HERE / "images" / "clips")
    listener = get_listener()
    infos = describe_clips()
    readme, measured, per_clip = [], [], []
    for info in infos:
        audio, rate = decode_audio(info.path)
        goal = GOALS[info.name]
        at = {gain: listener.hear(audio, rate, gain) for gain in (0.0, -10.0, 10.0)}
        readme.append(
            f"| `{info.name.upper()}` | {info.duration_s:.1f} s | {info.channels} | "
            f"{info.integrated_lufs:.1f} | {info.true_peak_dbfs:.1f} | {heard(at[0.0])} |"
        )
        kbps = info.size_bytes * 8 / info.duration_s / 1000
        measured.append(
            f"| {info.name} | {info.duration_s:.1f} s | {info.channels} | "
            f"{info.integrated_lufs:.1f} | {info.true_peak_dbfs:.1f} | "
            f"{info.size_bytes / 1024:.0f} | {kbps:.0f} | {seam_jump_ratio(audio):.2f} | "
            f"{max_autocorrelation(audio):.3f} | {envelope_autocorrelation(audio):.2f} |"
        )
        levels = []
        for gain, hearing in at.items():
            best = max(goal.expected, key=hearing.score)
            share = hearing.share_of_windows_with(goal.expected)
            rank = hearing.rank(best)
            levels.append(
                f"{gain:+.0f} dB: {best} {hearing.score(best):.2f} (rank {rank}, "
                f"{share:.0%} of windows)"
            )
        per_clip.append(f"**{info.name}** heard as {heard(at[0.0])}; " + "; ".join(levels))
    total = sum(p.stat().st_size for p in data_dir().glob("*.ogg")) / 1e6
    print("\n".join(readme))
    print(f"\ntotal {total:.2f} MB\n")
    print("\n".join(measured))
    print()
    print("\n\n".join(per_clip))


if __name__ == "__main__":
    main()
