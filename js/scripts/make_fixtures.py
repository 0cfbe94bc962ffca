"""Make js/test/fixtures/tone440.mp3: a 1.5 s 440 Hz tone at -12 dBFS with 10 ms fades.

The Node tests need an MP3 (the page's examples play one); this generates it with PyAV from a
sine we compute, so no third-party recording is involved. Run with the repository's .venv.
"""

from pathlib import Path

import av
import numpy as np

RATE = 44100
SECONDS = 1.5


def main() -> None:
    t = np.arange(int(RATE * SECONDS)) / RATE
    envelope = np.minimum(1.0, np.minimum(t / 0.01, (SECONDS - t) / 0.01))
    tone = (0.25 * np.sin(2 * np.pi * 440 * t) * envelope).astype(np.float32)
    path = Path(__file__).parent.parent / "test" / "fixtures" / "tone440.mp3"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mp3", rate=RATE)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(tone[None, :], format="flt", layout="mono")
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


if __name__ == "__main__":
    main()
