"""Make js/test/fixtures/tone440.{mp3,ogg,flac}: a 1.5 s 440 Hz tone at -12 dBFS, 10 ms fades.

The Node tests need an MP3 (the page's examples play one), an Ogg Vorbis and a FLAC file; this
encodes them from a sine we compute, so no third-party recording is involved: MP3 and FLAC
with PyAV, Vorbis with libvorbis' oggenc (apt-get install vorbis-tools; FFmpeg's own Vorbis
encoder writes streams other decoders cut short). Run with the repository's .venv:
.venv/bin/python js/scripts/make_fixtures.py
"""

from pathlib import Path

import subprocess
import tempfile
import wave

import av
import numpy as np

RATE = 44100
SECONDS = 1.5


def main() -> None:
    t = np.arange(int(RATE * SECONDS)) / RATE
    envelope = np.minimum(1.0, np.minimum(t / 0.01, (SECONDS - t) / 0.01))
    tone = (0.25 * np.sin(2 * np.pi * 440 * t) * envelope).astype(np.float32)
    folder = Path(__file__).parent.parent / "test" / "fixtures"
    with tempfile.TemporaryDirectory() as tmp:
        wav_path = f"{tmp}/tone.wav"
        with wave.open(wav_path, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(RATE)
            w.writeframes((tone * 32767).round().astype("<i2").tobytes())
        out = str(folder / "tone440.ogg")
        subprocess.run(["oggenc", "-Q", "-q", "4", "-o", out, wav_path], check=True)
    for suffix, codec in (("mp3", "mp3"), ("flac", "flac")):
        with av.open(str(folder / f"tone440.{suffix}"), "w") as container:
            stream = container.add_stream(codec, rate=RATE)
            stream.layout = "mono"
            frame = av.AudioFrame.from_ndarray(tone[None, :], format="flt", layout="mono")
            frame.sample_rate = RATE
            for packet in stream.encode(frame):
                container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)


if __name__ == "__main__":
    main()
