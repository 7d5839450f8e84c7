"""huashu's analyzer: checks what broadband field staff say against the service standard.

Pipeline stages, one module each: :mod:`.normalise` → :mod:`.phonetic` → :mod:`.segment` →
:mod:`.matching` (a package: forms, index, align, resolve, lexicon) → :mod:`.adherence`;
:class:`Analyzer` (:mod:`.text`) loads them once and runs them on text. Recordings:
:mod:`.audio` → :mod:`.transcribe` → :mod:`.diarize` and :mod:`.utterances` (who spoke, lines
joined, voices cut apart) → :mod:`.analytics` → :mod:`.speech` (the recording pipeline),
with :mod:`.errors` and :mod:`.fingerprint` shared by every caller.
"""

from .adherence import AdherenceReport, Turn
from .matching import Flag, MatchOptions
from .text import Analyzer, AnalyzerOptions

__all__ = ["AdherenceReport", "Analyzer", "AnalyzerOptions", "Flag", "MatchOptions", "Turn"]
__version__ = "0.1.0"
