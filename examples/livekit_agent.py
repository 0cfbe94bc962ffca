"""A LiveKit voice agent with a soundscape: office ambience, thinking and tool sounds, a chime.

Run it like any livekit-agents 1.x agent::

    pip install 'roomtone[agents]'
    python examples/livekit_agent.py --help
    python examples/livekit_agent.py console      # talk to it locally (needs PortAudio)
    python examples/livekit_agent.py dev          # join rooms (needs LIVEKIT_URL/_API_KEY/_SECRET)

It uses LiveKit Inference model strings for STT, LLM and TTS; swap in any plugin you like.
The only roomtone-specific lines are the import and the extras passed to the player
(``tool_sound``, ``thinking=CueOptions(...)``); everything else is LiveKit's own API.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
from livekit.agents import Agent, AgentServer, AgentSession, JobContext, RunContext, cli
from livekit.agents.llm import function_tool

from roomtone import AudioConfig, AudioFrame, BackgroundAudioPlayer, BuiltinAudioClip, CueOptions


async def chime(rate: int = 48000) -> AsyncIterator[AudioFrame]:
    """A short two-note chime, generated on the fly (any async iterator of frames can play)."""
    for freq in (880.0, 1320.0):
        t = np.arange(int(0.18 * rate)) / rate
        note = 0.3 * np.sin(2 * np.pi * freq * t) * np.exp(-t * 14)
        yield AudioFrame(note.astype(np.float32), rate)


class FrontDesk(Agent):
    def __init__(self, background: BackgroundAudioPlayer) -> None:
        super().__init__(
            instructions=(
                "You are the front desk of a small hotel. Keep answers short. "
                "Use check_availability when asked about rooms, and book_room to book one."
            )
        )
        self.background = background

    @function_tool
    async def check_availability(self, context: RunContext[None], nights: int) -> str:
        """Check which rooms are free for the given number of nights."""
        # While this runs, the tool sound plays (typing) instead of the thinking sound.
        return f"Two double rooms are free for {nights} nights."

    @function_tool
    async def book_room(self, context: RunContext[None], guest_name: str) -> str:
        """Book a double room for the guest."""
        await self.background.play(chime())  # an on-demand effect, awaited until heard
        return f"Booked a double room for {guest_name}."


server = AgentServer()


@server.rtc_session()
async def entrypoint(ctx: JobContext) -> None:
    background = BackgroundAudioPlayer(
        ambient_sound=AudioConfig(BuiltinAudioClip.OFFICE_AMBIENCE, volume=0.7),
        thinking_sound=[
            AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING, volume=0.6, probability=0.6),
            AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.5, probability=0.4),
        ],
        tool_sound=AudioConfig(BuiltinAudioClip.KEYBOARD_TYPING2, volume=0.6),
        thinking=CueOptions(delay=0.4),  # short thoughts stay silent
    )
    session: AgentSession[None] = AgentSession(
        stt="deepgram/nova-3",
        llm="openai/gpt-4.1-mini",
        tts="cartesia/sonic-2",
    )
    await session.start(agent=FrontDesk(background), room=ctx.room)
    # A separate "background_audio" track in the room (in console mode: the console's speaker).
    await background.start(room=ctx.room, agent_session=session)
    ctx.add_shutdown_callback(background.aclose)
    await session.generate_reply(instructions="Greet the caller and offer help.")


if __name__ == "__main__":
    cli.run_app(server)
