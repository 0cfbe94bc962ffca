"""Where sound comes from: decoders (WAV, FFmpeg), format conversion, clips, the cache, streams.

May import ``analysis`` (loudness) and the base modules (``format``, ``errors``, ``samples``,
``registry`` for a framework's frames); never ``engine``, ``player`` or ``outputs``.
"""
