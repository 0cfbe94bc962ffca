"""livekit-agents' warm transfer, with the running roomtone player as its hold audio.

``WarmTransferTask`` puts the caller on hold while it dials and briefs a human agent. With its
default ``hold_audio`` it starts a second ``BackgroundAudioPlayer`` of its own, which publishes a
second track under the name roomtone already uses (and is never closed). This subclass passes
``hold_audio=None``, so that player never starts, and plays the hold on roomtone's own track with
``player.hold()``: the music resumes where the last hold stopped, and the ambience and the cues
pause under it.

The hold lasts exactly the task's life. It starts in ``on_enter`` and ends in ``complete()``,
through which every way a task ends passes: the human agent connects, declines or reaches
voicemail, the dial fails, their room closes, the task is cancelled (the session closing), or
the tool awaiting it is cancelled (livekit-agents ends the task once its dial is over).
``on_exit`` (the task's activity closing) ends it too, in case the session hands over to
another agent while the transfer runs. A task that ends while the human agent is still being
dialled also stops the dial (livekit-agents' own ``cancel()`` leaves it ringing).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import logging
from typing import Any

from roomtone.config import SoundSpec, check_seconds
from roomtone.errors import MissingExtraError, PlayerStateError
from roomtone.integrations.livekit.output import RoomOutput
from roomtone.player.player import BackgroundAudioPlayer
from roomtone.player.selection import coerce_spec

__all__ = ["RoomtoneWarmTransferTask"]

logger = logging.getLogger("roomtone")


def _missing_workflow() -> MissingExtraError:
    """The error for a livekit-agents without the warm-transfer workflow (or none at all)."""
    try:
        version = importlib.metadata.version("livekit-agents")
    except importlib.metadata.PackageNotFoundError:
        return MissingExtraError("RoomtoneWarmTransferTask (a livekit-agents workflow)", "agents")
    # The extra is installed but too old for this workflow: the usual message would not help.
    error = MissingExtraError("RoomtoneWarmTransferTask", "agents")
    error.msg = (
        "RoomtoneWarmTransferTask needs livekit.agents.beta.workflows.WarmTransferTask, which "
        f"the installed livekit-agents {version} does not have: pip install -U livekit-agents"
    )
    error.args = (error.msg,)
    return error


try:
    from livekit.agents.beta.workflows.warm_transfer import (
        WarmTransferResult,
        WarmTransferTask,
    )
    from livekit.agents.job import get_job_context
    from livekit.agents.types import NOT_GIVEN, NotGivenOr
except ImportError as exc:
    raise _missing_workflow() from exc


class RoomtoneWarmTransferTask(WarmTransferTask):
    """``WarmTransferTask`` whose hold audio is ``player``, the call's running roomtone player.

    ``await RoomtoneWarmTransferTask(player, sip_call_to="+15105550123", chat_ctx=...)``
    inside a tool. ``hold_sound`` is what ``player.hold()`` takes (``None``: the last hold
    sound, at first the built-in hold music at 0.8, livekit's default); ``hold_fade`` fades it in
    and out. Every other keyword goes to ``WarmTransferTask`` as it is, except ``hold_audio``.

    The caller's input is not muted by roomtone: the task itself disables the session's audio
    input and output while the human agent is dialled and briefed, and restores them when it
    ends. roomtone's track is not the session's audio output, so the hold is heard regardless.
    """

    def __init__(
        self,
        player: BackgroundAudioPlayer,
        sip_call_to: NotGivenOr[str] = NOT_GIVEN,
        *,
        hold_sound: SoundSpec | None = None,
        hold_fade: float = 0.5,
        **options: Any,
    ) -> None:
        if "hold_audio" in options:
            raise TypeError(
                "RoomtoneWarmTransferTask plays the hold on roomtone's player; pass "
                "hold_sound=... instead of hold_audio (hold_audio would start a second player "
                "publishing a second track)"
            )
        self._player = _running_room_player(player)
        self._hold_spec = coerce_spec(hold_sound, "hold_sound")
        self._hold_fade = check_seconds("hold_fade", hold_fade)
        self._holding = False
        self._entering: asyncio.Task[None] | None = None  # on_enter's dial, while it runs
        super().__init__(sip_call_to, hold_audio=None, **options)

    async def on_enter(self) -> None:
        self._begin_hold()
        entering = asyncio.get_running_loop().create_task(
            super().on_enter(), name="roomtone-warm-transfer-dial"
        )
        self._entering = entering
        try:
            await asyncio.wait({entering})  # our own cancellation raises here
        finally:
            if not entering.done():
                entering.cancel()
                await asyncio.wait({entering})
        if not entering.cancelled():  # cancelled: complete() gave up the dial
            entering.result()

    async def on_exit(self) -> None:
        self._end_hold()
        await super().on_exit()

    def complete(self, result: WarmTransferResult | Exception) -> None:
        try:
            super().complete(result)
        finally:
            self._end_hold()
            self._stop_dialling()

    @property
    def player(self) -> BackgroundAudioPlayer:
        """The roomtone player that plays this transfer's hold."""
        return self._player

    def _begin_hold(self) -> None:
        if self.done():
            return
        player = self._player
        if not player.started:
            logger.warning(
                "roomtone: the player stopped (%s); the warm transfer goes on without hold audio",
                player.error or "closed",
            )
            return
        player.hold(self._hold_spec, fade=self._hold_fade)
        self._holding = True

    def _end_hold(self) -> None:
        """Take the caller off hold; never raises (livekit calls ``complete`` from its tasks)."""
        if not self._holding:
            return
        self._holding = False
        if self._player.started:
            try:
                self._player.unhold(fade=self._hold_fade)
            except PlayerStateError:  # closed between the check and the call
                logger.debug("roomtone: the player closed before the transfer's hold ended")

    def _stop_dialling(self) -> None:
        """The task ended while the human agent was still being dialled: stop dialling.

        livekit-agents' ``cancel()`` (the session closing) completes the task without stopping
        its dial; the dial would then go on ringing the human agent, ``session.aclose()`` would
        wait for it, and an answer would start a briefing for a caller who is gone.
        """
        entering = self._entering
        if entering is not None and not entering.done() and entering is not asyncio.current_task():
            entering.cancel()


def _running_room_player(player: object) -> BackgroundAudioPlayer:
    """``player``, once checked to be roomtone's, started on a LiveKit room (this job's)."""
    if not isinstance(player, BackgroundAudioPlayer):
        raise TypeError(
            "RoomtoneWarmTransferTask needs roomtone's BackgroundAudioPlayer (from roomtone "
            f"import BackgroundAudioPlayer), got {type(player).__module__}."
            f"{type(player).__qualname__}; with livekit's own player use WarmTransferTask"
        )
    if not player.started:
        raise PlayerStateError(
            "RoomtoneWarmTransferTask needs a running player: "
            "await player.start(room=ctx.room, agent_session=session) first"
            + (f" (it stopped: {player.error})" if player.error is not None else "")
        )
    output = player.output
    if not isinstance(output, RoomOutput):
        raise PlayerStateError(
            "RoomtoneWarmTransferTask needs the player started on the caller's LiveKit room, "
            f"where the transfer holds the caller; it plays into {type(output).__name__}. "
            "Start it with player.start(room=ctx.room, agent_session=session)"
        )
    job = get_job_context(required=False)
    if job is not None and job.room is not output.room:
        raise PlayerStateError(
            "RoomtoneWarmTransferTask holds the caller in this job's room, but the player "
            "plays into another room; start it with player.start(room=ctx.room, ...)"
        )
    return player
