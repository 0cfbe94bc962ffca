"""The ``roomtone`` command line: render, demo and clips.

The top layer: may import anything in roomtone. It mostly uses the public API, plus the clip
catalogue (``roomtone.clips``), the timeline parser and the WAV writer.
"""
