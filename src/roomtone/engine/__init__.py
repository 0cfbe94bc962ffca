"""The real-time engine: voices, ramps, cues, ducking, limiter and the mixer. No I/O, no asyncio."""
