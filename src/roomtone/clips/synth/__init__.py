"""Deterministic DSP that synthesises the built-in clips; every sound is made here from a seed.

Everything renders *circularly*: the output is one period of a periodic signal, so the
clips loop without a seam. Noise is drawn in the frequency domain of the whole loop,
filters run on circular buffers and events wrap around modulo the loop length.
"""
