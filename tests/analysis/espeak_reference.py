"""Reference speech for the listener's tests, spoken by eSpeak NG (the `espeakng-loader` wheel)."""

from __future__ import annotations

import ctypes

import numpy as np
import numpy.typing as npt

_SYNCHRONOUS = 2
_RATE_PARAMETER = 1
_PITCH_PARAMETER = 3
_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


def speak(
    text: str, voice: str = "en", words_per_minute: int = 170
) -> tuple[npt.NDArray[np.float64], int]:
    """``text`` spoken by eSpeak NG as float samples (full scale 1.0) and their sample rate."""
    import espeakng_loader

    lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
    rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
    chunks: list[npt.NDArray[np.int16]] = []

    def collect(wav: ctypes._Pointer[ctypes.c_short], count: int, _events: object) -> int:
        if count > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    callback = _Callback(collect)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName(voice.encode())
    lib.espeak_SetParameter(_RATE_PARAMETER, words_per_minute, 0)
    lib.espeak_SetParameter(_PITCH_PARAMETER, 50, 0)
    encoded = text.encode()
    lib.espeak_Synth(encoded, len(encoded) + 1, 0, 0, 0, 0, None, None)
    lib.espeak_Synchronize()
    return np.concatenate(chunks).astype(np.float64) / 32768.0, int(rate)
