"""The real-time engine: voices, ramps, cues, ducking, the buses, the limiter and the mixer.

Runs on an output's render thread; no I/O, no asyncio. May import ``roomtone.sources`` (clips
it plays) and the base modules (``format``, ``errors``, ``samples``); never ``player``,
``outputs`` or an integration.
"""
