"""Where sound comes from: decoders (WAV, FFmpeg), format conversion, clips, the cache, streams."""
