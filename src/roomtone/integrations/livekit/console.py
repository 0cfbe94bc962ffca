"""Console mode: play the mix where the agents console plays the agent's voice.

In ``python agent.py console`` the room is a mock and a published track goes nowhere, so
LiveKit's own player gives up. We add our mix to what the console's speaker stream plays
(its ``ConsoleAudioOutput.read_into``, called from the sound-card thread): the user hears it
and the console's echo canceller knows about it, so it does not trigger the agent's VAD.
When there is no such hook (``lk agent console`` over TCP) we open the local sound device with
``sounddevice``; failing that we warn and keep time with nothing audible.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any

import numpy as np

from roomtone.outputs.base import AudioOutput, Renderer
from roomtone.samples import FloatArray

__all__ = ["CONSOLE_SAMPLE_RATE", "ConsoleOutput", "console_instance"]

logger = logging.getLogger("roomtone")

CONSOLE_SAMPLE_RATE = 24000
"""The agents console plays mono int16 at 24 kHz."""

_IDLE_AFTER = 0.3  # seconds without a pull from the speaker before we keep time ourselves
_CLOSE_TIMEOUT = 0.5


def console_instance() -> Any | None:
    """The running agents console when this job is a console job, else ``None``.

    The same test ``AgentSession`` makes: a fake job with the console enabled. A fake job
    under ``livekit.agents.testing.fake_job_context`` has no console and gets a room track.
    """
    try:
        from livekit.agents import cli
        from livekit.agents.job import get_job_context
    except ImportError:
        return None
    ctx = get_job_context(required=False)
    if ctx is None or not ctx.is_fake_job():
        return None
    console = cli.AgentsConsole.get_instance()
    return console if getattr(console, "enabled", False) else None


class ConsoleOutput(AudioOutput):
    """The mix, added to the agents console's speaker stream (or a local device)."""

    def __init__(
        self,
        console: Any,
        *,
        sample_rate: int = CONSOLE_SAMPLE_RATE,
        num_channels: int = 1,
        frame_duration: float = 0.1,
        device: int | str | None = None,
    ) -> None:
        super().__init__(sample_rate, num_channels, frame_duration)
        self.console = console
        self.device = device
        self.mode = "idle"  # "hook", "device" or "idle" (nothing audible)
        self._renderer: Renderer | None = None
        self._lock = threading.Lock()
        self._delivered = 0
        self._last_pull = 0.0
        self._hooked: Any = None
        self._wrapper: Any = None
        self._stream: Any = None
        self._task: asyncio.Task[None] | None = None

    def delivered_frames(self) -> int:
        return self._delivered

    def pull(self, frames: int) -> FloatArray | None:
        """Render the next ``frames`` (any thread); ``None`` once closed.

        Never raises: it runs inside the sound card's callback, where an exception would stop
        the console's own audio too.
        """
        with self._lock:
            renderer = self._renderer
            if renderer is None:
                return None
            try:
                block = renderer.render(frames)
            except Exception as exc:
                logger.debug("roomtone: console render skipped: %s", exc)
                return None
            self._sent(renderer, block)
            return block

    def mix_over(self, speech: np.ndarray[Any, Any]) -> None:
        """Mix into the console's own int16 samples in place (the agent's voice passes through
        the engine's speech bus); any thread, never raises, leaves them alone once closed."""
        pcm = speech.reshape(len(speech), -1)
        if pcm.shape[1] != self.format.num_channels:
            return
        with self._lock:
            renderer = self._renderer
            if renderer is None:
                return
            try:
                renderer.render_pcm16(pcm, pcm)
            except Exception as exc:
                logger.debug("roomtone: console render skipped: %s", exc)
                return
            self._sent(renderer, pcm)

    def _sent(self, renderer: Renderer, block: np.ndarray[Any, Any]) -> None:
        if renderer.reference:
            renderer.reference.publish(
                block, self.format.sample_rate, self._delivered, time.monotonic()
            )
        self._delivered += len(block)
        self._last_pull = time.monotonic()

    async def start(self, renderer: Renderer) -> None:
        self._renderer = renderer
        self._last_pull = time.monotonic()
        if getattr(self.console, "_tcp_transport", None) is None and self._install_hook():
            self.mode = "hook"
        elif self._open_device():
            self.mode = "device"
        else:
            logger.warning(
                "roomtone: console mode without a speaker hook or sound device; "
                "background audio runs but is not audible"
            )
        self._task = asyncio.get_running_loop().create_task(
            self._keep_time(), name="roomtone:console"
        )

    def _install_hook(self) -> bool:
        """Wrap the console speaker's ``read_into`` now, or once the session acquires the IO."""
        if not getattr(self.console, "io_acquired", False):
            return hasattr(self.console, "set_speaker_enabled")  # legacy console: hook later
        target = getattr(self.console, "_io_audio_output", None)
        original = getattr(target, "read_into", None)
        if target is None or not callable(original):
            return False

        def read_into(outdata: np.ndarray[Any, Any], frames: int) -> None:
            original(outdata, frames)
            self.mix_over(outdata[:frames])

        target.read_into = read_into
        self._hooked, self._wrapper = target, read_into
        return True

    def _open_device(self) -> bool:
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:  # no package, or no PortAudio library
            logger.debug("roomtone: sounddevice unavailable: %s", exc)
            return False

        def callback(outdata: np.ndarray[Any, Any], frames: int, *_: Any) -> None:
            block = self.pull(frames)
            outdata[...] = 0.0 if block is None else block

        try:
            stream = sd.OutputStream(
                samplerate=self.format.sample_rate,
                channels=self.format.num_channels,
                dtype="float32",
                blocksize=self.frame_size,
                device=self.device,
                callback=callback,
            )
            stream.start()
        except Exception as exc:
            logger.warning("roomtone: could not open the sound device: %s", exc)
            return False
        self._stream = stream
        return True

    async def _keep_time(self) -> None:
        """Hook late if the IO was not acquired yet; render (unheard) while nobody pulls.

        Without this a text-mode console or a missing device would freeze the soundscape:
        cues would never advance and awaited handles would never finish.
        """
        n = self.frame_size
        while True:
            await asyncio.sleep(self.frame_duration)
            if self.mode == "hook" and self._hooked is None:
                self._install_hook()
            if time.monotonic() - self._last_pull > _IDLE_AFTER:
                self.pull(n)

    async def aclose(self) -> None:
        with self._lock:
            self._renderer = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=_CLOSE_TIMEOUT)
        target, self._hooked = self._hooked, None
        if target is not None and vars(target).get("read_into") is self._wrapper:
            del target.read_into  # back to the class's method
        stream, self._stream = self._stream, None
        if stream is not None:
            closing = asyncio.ensure_future(asyncio.to_thread(stream.close))
            await asyncio.wait({closing}, timeout=_CLOSE_TIMEOUT)
