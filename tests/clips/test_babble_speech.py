"""eSpeak NG as the babble's voice, and the pseudo-words it speaks: real, repeatable, wordless."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

from roomtone.clips.synth.speech_espeak import VoiceSettings, espeak_session
from roomtone.clips.synth.speech_pseudowords import (
    COMMON_WORDS,
    common_word_sounds,
    pseudo_word,
    sounds_like,
    utterance_text,
)
from roomtone.errors import MissingExtraError

pytest.importorskip("espeakng_loader", reason="eSpeak NG comes with roomtone[generate]")

TEXT = "[[b'Elik@n s'aIndoU]], [[tr'aIpoUl 'VngId]]?"
# Words outside the generator's own list: the check must not just echo that list.
_MORE_TEXT = (
    "cat dog milk sugar table chair window paper pencil water bread apple orange banana "
    "meeting email report manager customer order ticket account number please thank you "
    "what where when how why who yes no maybe later soon now again always never"
)
MORE_WORDS = tuple(_MORE_TEXT.split())


def speak(text: str, voice: str = "en-us+m3") -> np.ndarray:
    with espeak_session() as engine:
        assert engine.sample_rate == 22050
        return engine.speak(text, VoiceSettings(voice))


def test_speaks_phoneme_input_as_speech_length_audio() -> None:
    audio = speak(TEXT)
    # Four words with a clause pause: about 1.5-3 s, not the seconds it takes to spell
    # brackets and letters (what happens when phoneme input is not switched on).
    assert 1.2 < audio.shape[0] / 22050 < 3.0
    assert 0.02 < float(np.sqrt(np.mean(audio**2))) < 0.5
    # Leading and trailing silence are trimmed: the first and last samples are sound.
    assert abs(audio[0]) > 1e-3 and abs(audio[-1]) > 1e-3


def test_same_request_same_samples_whatever_came_before() -> None:
    first = speak(TEXT)
    # eSpeak carries state (pitch flutter, filters) from utterance to utterance within one
    # loaded library: a session is a fresh copy, so history does not leak into the next one.
    with espeak_session() as engine:
        for voice in ("en-us+f2", "en-us+klatt2", "en-us+Hugo"):
            engine.speak("[[g'Ul@m fr'Eskoi]].", VoiceSettings(voice, rate_wpm=230))
    np.testing.assert_array_equal(speak(TEXT), first)
    # Within one session the history does matter, which is why each render uses its own.
    with espeak_session() as engine:
        engine.speak(TEXT, VoiceSettings("en-us+m3"))
        again = engine.speak(TEXT, VoiceSettings("en-us+m3"))
    assert not np.array_equal(again[: first.shape[0]], first[: again.shape[0]])


def test_other_code_holding_the_library_does_not_share_its_state() -> None:
    import ctypes

    import espeakng_loader

    first = speak(TEXT)
    held = ctypes.CDLL(espeakng_loader.get_library_path())  # as another module might load it
    held.espeak_Initialize(0x02, 0, espeakng_loader.get_data_path().encode(), 0)
    np.testing.assert_array_equal(speak(TEXT), first)


def test_voices_and_prosody_change_the_sound() -> None:
    base = speak(TEXT)
    assert not np.array_equal(speak(TEXT, "en-us+f3")[:1000], base[:1000])
    with espeak_session() as engine:
        fast = engine.speak(TEXT, VoiceSettings("en-us+m3", rate_wpm=260))
    assert fast.shape[0] < 0.85 * base.shape[0]


@pytest.mark.parametrize("voice", ["en-us+nobody", "xx"])
def test_unknown_voice_is_named(voice: str) -> None:
    with (
        espeak_session() as engine,
        pytest.raises(ValueError, match=re.escape(f"no voice '{voice}'")),
    ):
        engine.speak(TEXT, VoiceSettings(voice))


def test_missing_extra_names_the_generate_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "espeakng_loader", None)
    with (
        pytest.raises(MissingExtraError, match=r"pip install 'roomtone\[generate\]'"),
        espeak_session(),
    ):
        pass


def test_pseudo_words_are_never_common_english_words() -> None:
    with espeak_session() as engine:
        known = frozenset(
            re.sub(r"[',:#%=_!0-9-]", "", engine.phonemes(w)).replace(" ", "")
            for w in (*COMMON_WORDS, *MORE_WORDS)
        )
    avoid = common_word_sounds()
    rng = np.random.default_rng(11)
    words = [pseudo_word(rng, avoid) for _ in range(4000)]
    assert not [w for w in words if sounds_like(w, avoid)]
    # Also none of a second list the generator was not told about (a few hundred draws of
    # mostly 2-3 syllable words could in principle hit one; this seed and list do not).
    assert not [w for w in words if sounds_like(w, known)]
    # Varied: thousands of draws, mostly distinct, mostly more than one syllable.
    assert len(set(words)) > 3600
    vowels = re.compile(r"(A:|i:|u:|O:|3:|eI|aI|oU|aU|[aEIVU@i])")
    syllables = [len(vowels.findall(w)) for w in words]
    assert np.mean(np.asarray(syllables) >= 2) > 0.7


def test_the_word_check_catches_a_real_word() -> None:
    # eSpeak says "coffee" as k'O2fi: the check compares skeletons, without stress, length
    # or eSpeak's variant digits, so a near miss in notation still counts as the word.
    with espeak_session() as engine:
        coffee = engine.phonemes("coffee")
    assert sounds_like(coffee, common_word_sounds())
    assert sounds_like("k'O:fi", common_word_sounds())
    assert not sounds_like("k'Ufi", common_word_sounds())


def test_utterance_text_is_clauses_of_phonemes_with_intonation() -> None:
    rng = np.random.default_rng(3)
    text = utterance_text(rng, 12, common_word_sounds())
    clauses = re.findall(r"\[\[([^\]]+)\]\]([,.?])", text)
    assert sum(len(body.split()) for body, _ in clauses) == 12
    assert clauses[-1][1] in ".?"
    assert text == utterance_text(np.random.default_rng(3), 12, common_word_sounds())


def test_every_babble_voice_is_repeatable_whatever_the_heap_holds() -> None:
    # Breathy eSpeak variants read memory whose contents depend on what the process did
    # before, so they sounded different from run to run; the babble uses none of them.
    import ctypes
    import ctypes.util

    from roomtone.clips.synth.babble import VOICES

    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    rng = np.random.default_rng(0)
    text = utterance_text(rng, 10, common_word_sounds())

    def churn() -> None:
        blocks = [libc.malloc(int(n)) for n in rng.integers(1000, 200000, 20)]
        for block in blocks:
            ctypes.memset(block, int(rng.integers(1, 255)), 1000)
            libc.free(ctypes.c_void_p(block))

    for variant in (*VOICES[0], *VOICES[1]):
        takes = []
        for _ in range(3):
            churn()
            with espeak_session() as engine:
                takes.append(engine.speak(text, VoiceSettings(f"en-us+{variant}")))
        for take in takes[1:]:
            np.testing.assert_array_equal(take, takes[0], err_msg=variant)
