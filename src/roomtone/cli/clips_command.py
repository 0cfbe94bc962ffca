"""``roomtone clips``: list the built-in sounds with measured figures, optionally plot them."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--plot",
        metavar="DIR",
        type=Path,
        default=None,
        help="also write one spectrogram PNG per clip into DIR (needs matplotlib)",
    )


def run(args: argparse.Namespace) -> int:
    """Print a table of the built-ins (decoded and measured now, not read from metadata)."""
    from roomtone.clips.measure import describe_clips
    from roomtone.clips.pictures import plot_spectrograms

    plot_dir: Path | None = getattr(args, "plot", None)
    if plot_dir is not None:  # check before any work, so a bad folder fails first
        if plot_dir.exists() and not plot_dir.is_dir():
            raise ValueError(f"--plot {str(plot_dir)!r} is a file; give a folder for the PNGs")
        from roomtone.cli.plot import require_plotting

        require_plotting("--plot")
    infos = describe_clips()
    columns = ("duration", "ch", "LUFS", "target", "dBTP", "KiB")
    widths = (9, 3, 7, 7, 6, 6)
    header = f"{'name':18s} " + " ".join(f"{c:>{w}s}" for c, w in zip(columns, widths, strict=True))
    print(header)
    print("-" * len(header))
    for info in infos:
        print(
            f"{info.name:18s} {info.duration_s:8.1f}s {info.channels:3d} "
            f"{info.integrated_lufs:7.1f} {info.target_lufs:7.1f} {info.true_peak_dbfs:6.1f} "
            f"{info.size_bytes / 1024:6.0f}"
        )
    if plot_dir is not None:
        for path in plot_spectrograms(plot_dir):
            print(path)
    return 0
