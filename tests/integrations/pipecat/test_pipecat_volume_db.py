"""``MixerUpdateSettingsFrame({"volume_db": ...})``: the bed level in dB, as users meet it."""

from __future__ import annotations

import pytest
from pipecat.frames.frames import MixerUpdateSettingsFrame
from pipecat_harness import mix_directly
from pipecat_signals import BED_HZ, Tones, tone_db

from roomtone import AudioConfig, BackgroundAudioPlayer
from roomtone.integrations.pipecat import RoomtoneMixer, check_settings

RATE = 16000


async def _bed_level(tones: Tones, settings: dict[str, object]) -> float:
    player = BackgroundAudioPlayer(ambient_sound=AudioConfig(tones.bed, volume=0.5))
    mixer = RoomtoneMixer(player, realtime=False)
    await mixer.start(RATE)
    await mixer.process_frame(MixerUpdateSettingsFrame(settings=settings))
    out = await mix_directly(mixer, 0.8)
    await mixer.stop()
    return tone_db(out[RATE // 2 :], RATE, BED_HZ)


async def test_volume_db_setting_matches_volume_to_a_hundredth_of_a_db(tones: Tones) -> None:
    by_db = await _bed_level(tones, {"volume_db": -9.0, "ramp": 0.05})
    by_gain = await _bed_level(tones, {"volume": 10 ** (-9 / 20), "ramp": 0.05})
    unity = await _bed_level(tones, {"volume": 1.0, "ramp": 0.05})
    assert by_db == pytest.approx(by_gain, abs=0.01)
    assert by_db - unity == pytest.approx(-9.0, abs=0.05)  # int16 output rounds a little


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"volume_db": "quiet"}, "'volume_db' must be a number"),
        ({"volume_db": 40}, "'volume_db' must be between"),
        ({"volume": 0.5, "volume_db": -6}, "'volume' or 'volume_db', not both"),
    ],
)
def test_bad_volume_db_settings_are_named(settings: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        check_settings(settings)
