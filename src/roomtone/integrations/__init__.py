"""Integrations with voice-agent frameworks, each behind its own extra, imported lazily.

Each subpackage may import anything in roomtone below it (player, outputs, engine, sources,
base modules) and its framework; never another integration. Each registers its output
resolvers and adapters with ``roomtone.registry`` when imported; the registry imports it by
itself (entry point group ``roomtone.integrations``) the first time the core meets one of its
framework's objects. Only this package (and the CLI above it) imports a framework.
"""
