"""RoomtoneObserver: the player follows the pipeline without a processor in it.

An observer sees every frame pushed anywhere in the pipeline, in both directions, on its own
task, so it never delays a frame and needs no place in the processor list. It hands each frame
(once, on its first push) to a :class:`PipelineStateTracker`.
"""

from __future__ import annotations

from typing import Any

from pipecat.observers.base_observer import BaseObserver, FramePushed

from roomtone.integrations.pipecat.state import PipelineStateTracker
from roomtone.player.session_link import StateSink

__all__ = ["RoomtoneObserver"]


class RoomtoneObserver(BaseObserver):
    """Drives a player's thinking, tool and speaking states from pipeline frames.

    ``PipelineWorker(pipeline, observers=[RoomtoneObserver(player)])``. See
    :class:`PipelineStateTracker` for the mapping and ``async_tools``.
    """

    def __init__(self, player: StateSink, *, async_tools: bool = True, **kwargs: Any) -> None:
        super().__init__(observe_every_push=False, **kwargs)
        self.tracker = PipelineStateTracker(player, async_tools=async_tools)

    async def on_push_frame(self, data: FramePushed) -> None:
        self.tracker.handle(data.frame, data.direction)
