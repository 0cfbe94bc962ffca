"""Café sounds: grinder, steam wand, pump, knock box, cups on saucers, cutlery and the till.

The tableware is struck modes, damped within tens of milliseconds as a cup held in a hand
or standing on a saucer is: bright, inharmonic and short, never a ringing bell.
"""

from __future__ import annotations

import numpy as np

from roomtone.clips.synth.circular import FloatArray
from roomtone.clips.synth.envelopes import fade_in_out, time_axis
from roomtone.clips.synth.impacts import Modes, impact, jitter
from roomtone.clips.synth.noise import band_shape, slope_shape, smooth_random, spectral_noise

__all__ = [
    "CUP",
    "cup_clink",
    "cutlery",
    "grinder",
    "knock_box",
    "pump",
    "spoon_stir",
    "steam_wand",
    "till",
]

# Wall modes of a porcelain cup (inharmonic ratios ~1 : 2.5 : 4.4 : 6.6 : 8.9), damped by
# the hand, the saucer and the liquid in it.
CUP = Modes(
    freqs=(1480.0, 3650.0, 6500.0, 9800.0, 13100.0),
    decays=(0.045, 0.032, 0.02, 0.012, 0.008),
    amps=(1.0, 0.8, 0.6, 0.35, 0.2),
)
_SAUCER = Modes(
    freqs=(930.0, 2350.0, 4100.0, 6900.0),
    decays=(0.03, 0.022, 0.014, 0.008),
    amps=(0.7, 0.6, 0.45, 0.3),
)
# A steel fork or knife: thin-bar modes, very short because a hand or plate holds it.
_CUTLERY = Modes(
    freqs=(2700.0, 5300.0, 8100.0, 11600.0),
    decays=(0.02, 0.012, 0.008, 0.005),
    amps=(0.6, 1.0, 0.7, 0.4),
)
_COIN = Modes(freqs=(6200.0, 9400.0, 12800.0), decays=(0.03, 0.02, 0.012), amps=(1.0, 0.7, 0.4))
_DRAWER = Modes(
    freqs=(140.0, 330.0, 610.0, 1200.0, 2300.0),
    decays=(0.04, 0.03, 0.02, 0.012, 0.008),
    amps=(1.0, 0.8, 0.6, 0.4, 0.3),
)
_WOOD = Modes(
    freqs=(95.0, 180.0, 420.0, 900.0), decays=(0.06, 0.04, 0.02, 0.01), amps=(1.0, 0.7, 0.4, 0.2)
)


def cup_clink(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """A cup set down on its saucer: a clack, the china's brief ring, a smaller rebound."""
    size = float(rng.uniform(0.85, 1.2))
    out = np.zeros(round(0.35 * sample_rate))
    at = 0
    for hit in range(int(rng.integers(1, 4))):  # the cup settles in one to three touches
        strength = 1.0 if hit == 0 else float(rng.uniform(0.15, 0.45))
        cup = impact(
            rng,
            jitter(rng, CUP.scaled(pitch=1.0 / size, decay=0.6), 0.08),
            sample_rate,
            contact_s=0.00015,
            noise=0.8,
        )
        saucer = impact(rng, jitter(rng, _SAUCER, 0.1), sample_rate, contact_s=0.0004, noise=0.8)
        lag = at + round(rng.uniform(0.0, 0.004) * sample_rate)
        out[at : at + saucer.shape[0]] += strength * saucer[: out.shape[0] - at]
        out[lag : lag + cup.shape[0]] += 0.5 * strength * cup[: out.shape[0] - lag]
        at += round(rng.uniform(0.012, 0.04) * sample_rate)
    return out


def spoon_stir(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """A spoon stirring: light, quick taps against the cup wall for a couple of seconds."""
    length = float(rng.uniform(1.5, 3.0))
    out = np.zeros(round((length + 0.3) * sample_rate))
    t = 0.0
    while t < length:
        tap = impact(
            rng, jitter(rng, CUP.scaled(pitch=1.4, decay=0.5), 0.1), sample_rate, contact_s=0.0002
        )
        i = round(t * sample_rate)
        out[i : i + tap.shape[0]] += float(rng.uniform(0.1, 0.35)) * tap[: out.shape[0] - i]
        t += float(rng.uniform(0.12, 0.28))
    return out


def grinder(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """Burr grinder: motor whine with harmonics plus the crunch of beans, a few seconds."""
    length = round(rng.uniform(3.0, 5.0) * sample_rate)
    t = time_axis(length, sample_rate)
    motor_hz = float(rng.uniform(150.0, 190.0))
    sag = 1.0 - 0.04 * np.sin(np.pi * t / t[-1])
    phase = 2.0 * np.pi * np.cumsum(motor_hz * sag) / sample_rate
    motor = sum(np.sin(k * phase) / k**1.2 for k in range(1, 16))
    crunch = spectral_noise(rng, length, sample_rate, band_shape(2500.0, 3.0))
    grains = np.maximum(smooth_random(rng, length, sample_rate, 25.0), 0.0) ** 2
    env = fade_in_out(length, sample_rate, 0.15, 0.4)
    return np.asarray(env * (0.25 * motor + 0.8 * crunch * (0.4 + grains)), dtype=np.float64)


def steam_wand(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """Milk steaming: a broad hiss with a gurgling flutter that settles into a smooth roar."""
    length = round(rng.uniform(6.0, 9.0) * sample_rate)
    t = time_axis(length, sample_rate)
    hiss = spectral_noise(rng, length, sample_rate, slope_shape(0.0, 1500.0, 12000.0))
    roar = spectral_noise(rng, length, sample_rate, band_shape(600.0, 2.0))
    stretch = np.clip(1.0 - t / (0.4 * t[-1]), 0.0, 1.0)  # aerating at first, then rolling
    gurgle = 1.0 + stretch * 0.8 * smooth_random(rng, length, sample_rate, 18.0)
    env = fade_in_out(length, sample_rate, 0.08, 0.3)
    return np.asarray(env * (hiss * gurgle + 0.5 * roar * (1.0 - stretch)), dtype=np.float64)


def pump(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """Vibratory pump pulling a shot: a buzzy 50 Hz drone under a trickle, ~20 s."""
    length = round(rng.uniform(18.0, 24.0) * sample_rate)
    t = time_axis(length, sample_rate)
    phase = 2.0 * np.pi * 50.0 * t
    buzz = sum(np.sin(k * phase + rng.uniform(0, 6.28)) / k for k in range(1, 20))
    trickle = spectral_noise(rng, length, sample_rate, band_shape(1800.0, 2.0))
    env = fade_in_out(length, sample_rate, 0.3, 1.0)
    return np.asarray(env * (0.3 * buzz + 0.2 * trickle), dtype=np.float64)


def knock_box(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """Emptying the portafilter: two or three hard knocks on a wooden bar."""
    out = np.zeros(round(1.2 * sample_rate))
    for k in range(int(rng.integers(2, 4))):
        knock = impact(rng, jitter(rng, _WOOD, 0.1), sample_rate, contact_s=0.002, noise=0.5)
        i = round(k * rng.uniform(0.25, 0.35) * sample_rate)
        out[i : i + knock.shape[0]] += knock[: out.shape[0] - i]
    return out


def cutlery(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """A fork and knife at work on a plate: a few quick ticks and a short scrape."""
    length = float(rng.uniform(0.6, 1.6))
    out = np.zeros(round((length + 0.1) * sample_rate))
    t = float(rng.uniform(0.0, 0.1))
    while t < length:
        tick = impact(rng, jitter(rng, _CUTLERY, 0.12), sample_rate, contact_s=0.0001, noise=0.8)
        i = round(t * sample_rate)
        out[i : i + tick.shape[0]] += float(rng.uniform(0.2, 1.0)) * tick[: out.shape[0] - i]
        t += float(rng.gamma(2.0, 0.09))
    scrape_len = round(rng.uniform(0.15, 0.4) * sample_rate)
    scrape = spectral_noise(rng, scrape_len, sample_rate, band_shape(5000.0, 2.0))
    scrape *= fade_in_out(scrape_len, sample_rate, 0.03, 0.08) * 0.15
    at = int(rng.integers(max(out.shape[0] - scrape_len, 1)))
    out[at : at + scrape_len] += scrape
    return out


def till(rng: np.random.Generator, sample_rate: int) -> FloatArray:
    """The till: a key beep, the cash drawer sliding out to a thump, coins rattling."""
    out = np.zeros(round(1.4 * sample_rate))
    beep_len = round(0.09 * sample_rate)
    beep_t = time_axis(beep_len, sample_rate)
    beep = np.sin(2.0 * np.pi * float(rng.uniform(2300.0, 2900.0)) * beep_t)
    out[:beep_len] += 0.25 * beep * fade_in_out(beep_len, sample_rate, 0.004, 0.01)
    slide_at = round(rng.uniform(0.2, 0.35) * sample_rate)
    slide_len = round(rng.uniform(0.12, 0.2) * sample_rate)
    slide = spectral_noise(rng, slide_len, sample_rate, band_shape(1800.0, 3.0))
    out[slide_at : slide_at + slide_len] += (
        0.3
        * slide
        * np.linspace(0.3, 1.0, slide_len)
        * fade_in_out(slide_len, sample_rate, 0.01, 0.01)
    )
    bang = impact(rng, jitter(rng, _DRAWER, 0.08), sample_rate, contact_s=0.001, noise=0.6)
    i = slide_at + slide_len
    out[i : i + bang.shape[0]] += bang[: out.shape[0] - i]
    for _ in range(int(rng.integers(3, 7))):
        coin = impact(rng, jitter(rng, _COIN, 0.15), sample_rate, contact_s=0.0001)
        j = i + round(rng.uniform(0.005, 0.2) * sample_rate)
        out[j : j + coin.shape[0]] += float(rng.uniform(0.05, 0.2)) * coin[: out.shape[0] - j]
    return out
