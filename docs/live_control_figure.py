"""Render docs/images/live-control.png: handle volume, pause/resume, a scene change, master.

python docs/live_control_figure.py
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from roomtone import BackgroundAudioPlayer, BuiltinAudioClip, OfflineRenderer
from roomtone.cli.plot import plot_render
from roomtone.cli.scenario import Band

OUT = Path(__file__).parent / "images" / "live-control.png"


async def main() -> None:
    renderer = OfflineRenderer(48000, 1)
    player = BackgroundAudioPlayer(ambient_sound=BuiltinAudioClip.OFFICE_AMBIENCE, seed=1)
    await player.start(room=renderer)
    bands: list[Band] = []

    def quieter() -> None:
        if player.ambient_handle is not None:
            player.ambient_handle.set_volume(0.3, ramp=0.5)

    steps = [
        ("ambience", 2.0, lambda: None),
        (
            "volume 0.3",
            2.0,
            lambda: player.ambient_handle and player.ambient_handle.set_volume(0.3, 0.5),
        ),
        ("pause", 1.5, lambda: player.pause_ambient(fade=0.5)),
        ("resume", 2.0, lambda: player.resume_ambient(fade=0.5)),
        (
            "scene: city",
            3.0,
            lambda: player.set_ambient(BuiltinAudioClip.CITY_AMBIENCE, crossfade=1.5),
        ),
        ("master 0.5", 2.0, lambda: player.set_master_volume(0.5, ramp=0.5)),
    ]
    for label, seconds, action in steps:
        start = renderer.time
        action()
        await renderer.advance(seconds)
        bands.append(Band(label, start, renderer.time))
    await player.aclose()
    plot_render(renderer.audio(), 48000, bands, OUT, title="live control: every change is ramped")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
