"""Which sound a tool call makes: one for all, one per tool name, or a function's choice.

Tools that transfer or end the call make none: the caller is about to hear a ring, a human
or nothing, and a "working" sound would promise an answer that is not coming.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeAlias

from roomtone.config import AudioConfig, SoundSpec
from roomtone.player.selection import coerce_spec

__all__ = [
    "DEFAULT_CALL_CONTROL_TOOLS",
    "DEFAULT_TOOL_KEY",
    "Resolved",
    "ToolSoundSpec",
    "ToolSounds",
]

DEFAULT_TOOL_KEY = "*"
"""In a ``tool_sound`` mapping, the sound for tools not named in it."""

DEFAULT_CALL_CONTROL_TOOLS = frozenset(
    {
        "end_call",
        "hang_up",
        "hangup",
        "transfer_call",
        "transfer",
        "transfer_to_human",
        "transfer_to_agent",
        "warm_transfer",
        "cold_transfer",
        "connect_to_caller",
    }
)
"""Tool names that transfer or end the call (livekit-agents' ``end_call`` among them)."""

ToolSoundSpec: TypeAlias = (
    SoundSpec | Mapping[str, SoundSpec | None] | Callable[[str], SoundSpec | None]
)
"""What ``tool_sound`` accepts: a sound, ``{tool name: sound, "*": default}``, or a function
from the tool's name to a sound (``None`` for silence)."""

Resolved: TypeAlias = list[AudioConfig] | AudioConfig | None


class ToolSounds:
    """Resolves the sound of a tool by name; ``None`` means the tool plays nothing."""

    def __init__(
        self,
        spec: ToolSoundSpec | None,
        call_control: Iterable[str] = DEFAULT_CALL_CONTROL_TOOLS,
    ) -> None:
        if isinstance(call_control, str):
            raise TypeError(
                "call_control_tools must be a collection of tool names, not one string; "
                f"write {{{call_control!r}}}"
            )
        self.call_control = frozenset(call_control)
        self._function: Callable[[str], SoundSpec | None] | None = None
        self._by_name: dict[str, Resolved] = {}
        self._default: Resolved = None
        if isinstance(spec, Mapping):
            for name, sound in spec.items():
                if not isinstance(name, str):
                    raise TypeError(f"tool_sound keys must be tool names, got {name!r}")
                self._by_name[name] = coerce_spec(sound, f"tool_sound[{name!r}]")
            self._default = self._by_name.pop(DEFAULT_TOOL_KEY, None)
        elif callable(spec) and not _is_sound(spec):
            self._function = spec
        else:
            self._default = coerce_spec(spec, "tool_sound")

    @property
    def configured(self) -> bool:
        """Whether any tool can make a sound at all."""
        return (
            self._function is not None or self._default is not None or any(self._by_name.values())
        )

    def fixed(self) -> list[Resolved]:
        """Every sound known up front (to check the files exist when the player starts)."""
        return [self._default, *self._by_name.values()]

    def is_call_control(self, name: str) -> bool:
        return name in self.call_control

    def for_tool(self, name: str) -> Resolved:
        """The sound for a call of ``name``; ``None`` for call-control tools and silence."""
        if name in self.call_control:
            return None
        if self._function is not None:
            return coerce_spec(self._function(name), f"tool_sound({name!r})")
        return self._by_name.get(name, self._default)


def _is_sound(spec: object) -> bool:
    """An ``AudioConfig`` or source is never taken for a function, whatever it implements."""
    return isinstance(spec, (AudioConfig, str, list, tuple))
