"""eSpeak NG as a library, at generation time only: phoneme strings in, float samples out.

eSpeak NG is a rule-based (formant) synthesiser: no recorded voice is involved. The PyPI wheel
``espeakng-loader`` (the ``generate`` extra) bundles ``libespeak-ng`` and its data; this
module drives it through ctypes in synchronous mode (no audio device, no playback thread), so
an utterance is rendered inside :meth:`Espeak.speak` and the same request gives the same
samples. Runtime users of roomtone never load it: only ``python -m roomtone.clips.generate``
and the tests do.

eSpeak keeps global state that carries from one utterance to the next (pitch flutter,
filter memories), so its output depends on everything spoken before in the process. A
:func:`espeak_session` therefore loads its own private copy of the library (a copied file is
a separate instance to the dynamic loader, even if other code has the original loaded) and
unloads it on exit: what a session speaks depends only on what it was asked, in this process
or another.
"""

from __future__ import annotations

import _ctypes
import ctypes
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from roomtone.clips.synth.circular import FloatArray
from roomtone.errors import MissingExtraError

__all__ = ["Espeak", "VoiceSettings", "espeak_session"]

_SYNCHRONOUS = 0x02  # AUDIO_OUTPUT_SYNCHRONOUS: synthesise in the caller's thread
_CHARS_UTF8 = 0x01
_PHONEMES = 0x100  # espeakPHONEMES: read [[...]] as phoneme mnemonics
_POS_CHARACTER = 1
# espeak_PARAMETER
_RATE, _VOLUME, _PITCH, _RANGE, _WORDGAP = 1, 2, 3, 4, 7

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True)
class VoiceSettings:
    """How one utterance is spoken: eSpeak voice (language+variant) and prosody parameters."""

    voice: str
    """e.g. ``"en-us+m3"``: the language's phoneme table and a variant's timbre."""
    rate_wpm: int = 175
    pitch: int = 50
    """Base pitch, 0-100 (eSpeak's scale; the variant moves it further)."""
    pitch_range: int = 50
    """Intonation range, 0 (monotone) - 100."""
    volume: int = 100
    word_gap_10ms: int = 0


class Espeak:
    """A freshly loaded eSpeak NG in synchronous mode; use it through :func:`espeak_session`."""

    def __init__(self, library_path: str, data_path: str) -> None:
        lib = ctypes.CDLL(library_path)
        self._handle: int | None = lib._handle
        self._lib = lib
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        self._lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self._lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p),
            ctypes.c_int,
            ctypes.c_int,
        ]
        self._variants = Path(data_path) / "voices" / "!v"
        data = data_path.encode()
        rate = int(self._lib.espeak_Initialize(_SYNCHRONOUS, 0, data, 0))
        if rate <= 0:
            raise RuntimeError(f"eSpeak NG failed to initialise with data at {data.decode()!r}")
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        # Held on the instance: the C library keeps only the raw pointer.
        self._callback = _Callback(self._collect)
        self._lib.espeak_SetSynthCallback(self._callback)

    def close(self) -> None:
        """Terminate eSpeak and unload the library, so the next session starts afresh."""
        if self._handle is None:
            return
        self._lib.espeak_Terminate()
        handle, self._handle = self._handle, None
        _ctypes.dlclose(handle)

    def _collect(self, wav: ctypes.Array[ctypes.c_short], count: int, _events: int) -> int:
        if count > 0:
            self._chunks.append(ctypes.string_at(wav, 2 * count))
        return 0

    def _set(self, settings: VoiceSettings) -> None:
        if self._handle is None:
            raise RuntimeError("this eSpeak NG session is closed")
        _, _, variant = settings.voice.partition("+")
        # eSpeak silently ignores an unknown variant: check it is one of its files.
        known_variant = not variant or (self._variants / variant).is_file()
        if not known_variant or self._lib.espeak_SetVoiceByName(settings.voice.encode()) != 0:
            raise ValueError(
                f"eSpeak NG has no voice {settings.voice!r}; use a language such as 'en-us', "
                f"optionally with a variant from {self._variants}, e.g. 'en-us+m3'"
            )
        for param, value in (
            (_RATE, settings.rate_wpm),
            (_PITCH, settings.pitch),
            (_RANGE, settings.pitch_range),
            (_VOLUME, settings.volume),
            (_WORDGAP, settings.word_gap_10ms),
        ):
            self._lib.espeak_SetParameter(param, int(value), 0)

    def speak(self, text: str, settings: VoiceSettings) -> FloatArray:
        """Samples (float, full scale 1) of ``text`` at :attr:`sample_rate`, silence trimmed.

        ``text`` may hold phoneme mnemonics in ``[[ ]]``, with punctuation between for
        intonation (``.`` falls, ``?`` rises, ``,`` continues).
        """
        self._set(settings)
        self._chunks = []
        data = text.encode()
        flags = _CHARS_UTF8 | _PHONEMES
        err = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, flags, None, None)
        if err != 0:
            raise RuntimeError(f"eSpeak NG could not speak {text[:40]!r} (error {err})")
        pcm = np.frombuffer(b"".join(self._chunks), dtype=np.int16).astype(np.float64) / 32768.0
        loud = np.flatnonzero(np.abs(pcm) > 1e-3)
        return pcm[loud[0] : loud[-1] + 1] if loud.size else pcm[:0]

    def phonemes(self, text: str, voice: str = "en-us") -> str:
        """eSpeak's phoneme mnemonics for ``text`` (clauses joined by spaces)."""
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG has no voice {voice!r}")
        pointer = ctypes.c_char_p(text.encode())
        parts: list[str] = []
        while pointer.value:
            out = self._lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, 0)
            if out:
                parts.append(out.decode().strip())
        return " ".join(p for p in parts if p)


@contextmanager
def espeak_session() -> Iterator[Espeak]:
    """A fresh eSpeak NG (a private copy of the library) for a run of utterances."""
    try:
        import espeakng_loader
    except ImportError as exc:
        raise MissingExtraError(
            "Synthesising babble (eSpeak NG, at generation time only)", "generate"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="roomtone-espeak-") as folder:
        private = Path(folder) / "libespeak-ng-session.so"
        shutil.copyfile(espeakng_loader.get_library_path(), private)
        engine = Espeak(str(private), espeakng_loader.get_data_path())
        try:
            yield engine
        finally:
            engine.close()
