"""The player: policy on top of the engine (what plays when), handles, and session links."""
