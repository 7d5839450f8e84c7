"""huashu's analyzer: checks what broadband field staff say against the service standard.

Pipeline stages, one module each: :mod:`.normalise`, :mod:`.phonetic`, :mod:`.segment`,
:mod:`.match`, :mod:`.adherence`; :class:`Analyzer` loads them once and runs them.
"""

from .adherence import AdherenceReport, Turn
from .core import Analyzer, AnalyzerOptions
from .match import Flag, MatchOptions

__all__ = ["AdherenceReport", "Analyzer", "AnalyzerOptions", "Flag", "MatchOptions", "Turn"]
__version__ = "0.1.0"
