"""Pseudo-words in eSpeak NG's English phoneme mnemonics: the sound of talk, with no words.

Words are built from English-like syllables (onset, vowel, coda) so a talker has the rhythm,
stress and consonant noise of speech; any candidate that sounds like one of a list of common
English words (compared through eSpeak's own pronunciation of them) is drawn again, and most
words have two or three syllables, so nothing in a babble bed is intelligible.
"""

from __future__ import annotations

import functools
import re

import numpy as np

__all__ = ["COMMON_WORDS", "common_word_sounds", "pseudo_word", "sounds_like", "utterance_text"]

_ONSETS = (
    *("p", "b", "t", "d", "k", "g", "f", "v", "s", "z", "S", "h", "m", "n", "l", "r"),
    *("w", "j", "tS", "dZ", "T", "D"),
    *("pl", "pr", "bl", "br", "tr", "dr", "kl", "kr", "gl", "gr", "fl", "fr"),
    *("sp", "st", "sk", "sm", "sn", "sl", "sw"),
)
# Stressed vowels of US English (eSpeak ``en-us`` mnemonics) and the weak ones.
_STRONG = ("a", "A:", "E", "I", "i:", "V", "u:", "U", "O:", "eI", "aI", "oU", "aU", "3:")
_WEAK = ("@", "@", "I", "i", "oU")
_CODAS = ("", "", "", "", "n", "m", "N", "l", "s", "t", "k", "p", "d", "z", "nt", "nd", "st", "ks")

# Common English words a pseudo-word must never sound like.
_COMMON_TEXT = (
    "the be to of and a in that have I it for not on with he as you do at this but his by "
    "from they we say her she or an will my one all would there their what so up out if about "
    "who get which go me when make can like time no just him know take people into year your "
    "good some could them see other than then now look only come its over think also back "
    "after use two how our work first well way even new want because any these give day most "
    "us is are was were been has had did said yes okay hello hi thanks please sorry right "
    "really coffee tea cup call phone money help name three four five six seven eight nine ten "
    "today tomorrow morning night love nice great sure maybe here where why let tell ask need "
    "feel try leave put mean keep begin seem talk turn start show hear play run move live "
    "believe bring happen write sit stand lose pay meet include continue set learn change "
    "lead understand watch follow stop create speak read spend grow open walk win teach offer "
    "remember consider appear buy serve die send build stay fall cut reach kill raise pass "
    "sell decide return explain hope develop carry break receive agree support hit produce "
    "eat cover catch draw choose cause point listen thing man woman child world life hand part "
    "place case week company system program question number night home water room mother area "
    "family problem fact money story month lot study book eye job word business issue side "
    "kind head house service friend father power hour game line end member law car city name "
    "team minute idea kid body back parent face others level office door health person art war "
    "history party result morning reason research girl guy moment air teacher force education "
    "big long little old great high small large next early young important few public bad "
    "same able last late hard major better best black white red blue green dollar data"
)
COMMON_WORDS = tuple(_COMMON_TEXT.split())


def _syllable(rng: np.random.Generator, stressed: bool, first: bool) -> str:
    """Onset (always after the first syllable, so vowels never merge), vowel, coda."""
    onset = "" if first and rng.random() < 0.2 else _ONSETS[int(rng.integers(len(_ONSETS)))]
    vowels = _STRONG if stressed or rng.random() < 0.3 else _WEAK
    vowel = vowels[int(rng.integers(len(vowels)))]
    coda = _CODAS[int(rng.integers(len(_CODAS)))]
    return f"{onset}{chr(39) if stressed else ''}{vowel}{coda}"


def _candidate(rng: np.random.Generator) -> str:
    count = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.45, 0.28, 0.07]))
    stress = int(rng.integers(min(count, 2)))
    return "".join(_syllable(rng, k == stress, k == 0) for k in range(count))


def _skeleton(phonemes: str) -> str:
    """Phonemes without stress, length and eSpeak's variant marks, for sound-alike checks."""
    return re.sub(r"[',:#%=_!0-9-]", "", phonemes).replace(" ", "")


def sounds_like(phonemes: str, known: frozenset[str]) -> bool:
    """Whether a phoneme string matches one of the ``known`` skeletons."""
    return _skeleton(phonemes) in known


@functools.lru_cache(maxsize=1)
def common_word_sounds() -> frozenset[str]:
    """Skeletons of :data:`COMMON_WORDS` as eSpeak ``en-us`` pronounces them (one session)."""
    from roomtone.clips.synth.speech_espeak import espeak_session

    with espeak_session() as engine:
        return frozenset(_skeleton(engine.phonemes(word)) for word in COMMON_WORDS)


def pseudo_word(rng: np.random.Generator, avoid: frozenset[str]) -> str:
    """One word of eSpeak ``en-us`` phoneme mnemonics that sounds like none of ``avoid``."""
    while True:
        word = _candidate(rng)
        if not sounds_like(word, avoid):
            return word


def utterance_text(rng: np.random.Generator, words: int, avoid: frozenset[str]) -> str:
    """A turn of ``words`` pseudo-words in clauses, ready for eSpeak (``[[...]]`` + punctuation).

    Clauses of 2-7 words end in a comma (continuing), a full stop (falling) or a question
    mark (rising), so the pitch contour moves like conversation.
    """
    clauses: list[str] = []
    left = words
    while left > 0:
        size = min(left, int(rng.integers(2, 8)))
        left -= size
        body = " ".join(pseudo_word(rng, avoid) for _ in range(size))
        end = "." if left == 0 else str(rng.choice([",", ",", ".", "?"]))
        if left == 0 and rng.random() < 0.25:
            end = "?"
        clauses.append(f"[[{body}]]{end}")
    return " ".join(clauses)
