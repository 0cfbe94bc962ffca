"""The player: the ``BackgroundAudioPlayer`` facade and what it is made of.

``player.py`` is the public face; a session (``session.py``) holds the renderer outputs pull
from, the cue policy, the bed, the voice maker and the handle completions. May import
``engine``, ``outputs``, ``sources``, ``registry`` and the base modules; never an integration
(frameworks plug in through ``roomtone.registry``).
"""
