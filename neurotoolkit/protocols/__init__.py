"""Phases of an experiment (exploration, offline replay, consolidation); each yields a Recording.

Import the submodules: :mod:`.settings` (SpikingConfig), :mod:`.exploration`
(simulate, to_recording), :mod:`.metrics` and :mod:`.consolidation`.
"""
