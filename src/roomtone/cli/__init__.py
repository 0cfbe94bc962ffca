"""The ``roomtone`` command line: render, demo and clips. Uses the public API only."""
