"""Every Python example of the LiveKit background-audio page runs unchanged on roomtone.

Only the import line changes, ``ctx.room`` becomes a roomtone output, and the page's
placeholder path ``/path/to/my-custom-sound.mp3`` points at a generated MP3.
"""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import numpy as np
import pytest

from roomtone import MemoryOutput, ScriptedSession
from signals import tone
from sources.helpers import encode

PAGE = Path(__file__).parents[3] / "shared" / "reference" / "livekit-background-audio-page.txt"

EXAMPLES = """\
from livekit.agents import BackgroundAudioPlayer, AudioConfig, BuiltinAudioClip
background_audio = BackgroundAudioPlayer(
ambient_sound=AudioConfig(BuiltinAudioClip.OFFICE_AMBIENCE, volume=0.8),
thinking_sound=[
AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING, volume=0.8),
AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.7),
],
)
background_audio = BackgroundAudioPlayer(
ambient_sound="/path/to/my-custom-sound.mp3",
)
background_audio = BackgroundAudioPlayer()
await background_audio.start(room=ctx.room, agent_session=session)
background_audio.play("/path/to/my-custom-sound.mp3")
await background_audio.play("/path/to/my-custom-sound.mp3")
handle = background_audio.play("/path/to/my-custom-sound.mp3")
await(asyncio.sleep(1))
handle.stop()
background_audio.play([
AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING, volume=0.8, probability=0.8),
AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.7, probability=0.2),
])
await background_audio.aclose()
"""


def test_examples_are_the_page_text() -> None:
    if not PAGE.exists():
        pytest.skip(f"reference page not found at {PAGE}")
    page = PAGE.read_text()
    for line in EXAMPLES.splitlines():
        assert line.strip() in page, line


@pytest.mark.realtime
async def test_page_examples_run_unchanged(tmp_path: Path) -> None:
    sound = tmp_path / "my-custom-sound.mp3"
    encode(sound, "libmp3lame", tone(660, 0.4, 44100, amp=0.2), 44100)
    code = EXAMPLES.replace("from livekit.agents import", "from roomtone import").replace(
        "/path/to/my-custom-sound.mp3", str(sound)
    )
    body = textwrap.indent(code, "    ")
    namespace: dict[str, object] = {"asyncio": asyncio}
    exec(f"async def example(ctx, session):\n{body}", namespace)

    class Ctx:
        room = MemoryOutput()

    await asyncio.wait_for(namespace["example"](Ctx, ScriptedSession()), 10)  # type: ignore[operator]
    audio = Ctx.room.audio()
    assert len(audio) > 48000  # it played in real time for more than a second
    assert np.abs(audio).max() > 0.05
