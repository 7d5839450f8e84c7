"""Phonetic keys: each character becomes two tokens, its pinyin initial and final.

Whisper writes homophones and near-homophones (宽代 for 宽带, 说民书 for 说明书, 解修 for
检修). Comparing pinyin instead of characters makes those cheap: tones are ignored, the
fuzzy pairs of Mandarin (zh/z, ch/c, sh/s, n/l, in/ing, en/eng, an/ang, ian/iang,
uan/uang) fall into one class, and because the initial and the final are separate tokens,
a syllable that differs in only one of them (jie/jian) costs half a syllable in the
alignment. The tokens are single private-use characters, so that rapidfuzz aligns them
as ordinary strings.
"""

from __future__ import annotations

import functools

from pypinyin import Style, lazy_pinyin

__all__ = ["PhoneticEncoder", "split_syllable", "syllables", "FUZZY_INITIALS", "FUZZY_FINALS",
           "ANY_INITIAL", "ANY_FINAL"]

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h",
             "j", "q", "x", "r", "z", "c", "s", "y", "w")
FUZZY_INITIALS = {"zh": "z", "ch": "c", "sh": "s", "n": "l"}
FUZZY_FINALS = {"ing": "in", "eng": "en", "ang": "an", "iang": "ian", "uang": "uan"}

_INITIAL_BASE = 0xE000
_FINAL_BASE = 0xE400
_OTHER_FINAL = chr(0xE7FF)  # the "final" of a non-Chinese character
ANY_INITIAL = f"[{chr(_INITIAL_BASE)}-{chr(_FINAL_BASE - 1)}]"
"""A regular-expression class of every initial token (a Chinese syllable's first token)."""
ANY_FINAL = f"[{chr(_FINAL_BASE)}-{chr(ord(_OTHER_FINAL) - 1)}]"
"""A regular-expression class of every final token (a Chinese syllable's second token)."""


def split_syllable(py: str) -> tuple[str, str]:
    """Split a toneless pinyin syllable into its (fuzzy-class) initial and final."""
    if py in ("n", "ng"):  # 嗯 said as a syllabic nasal is written 恩 (en) as often
        return "", "en"
    ini = ""
    for cand in _INITIALS:
        if py.startswith(cand) and len(py) > len(cand):
            ini = cand
            break
    fin = py[len(ini):]
    # y/w are spelling, not sounds: yi = i, wu = u, ye = ie, yu = ü ...
    if ini == "y":
        ini = ""
        fin = {"i": "i", "in": "in", "ing": "ing", "u": "v", "ue": "ve", "uan": "van",
               "un": "vn"}.get(fin, "i" + fin if not fin.startswith("i") else fin)
    elif ini == "w":
        ini = ""
        fin = fin if fin.startswith("u") else "u" + fin
    if ini in ("j", "q", "x") and fin.startswith("u"):
        fin = "v" + fin[1:]
    fin = {"iou": "iu", "uei": "ui", "uen": "un"}.get(fin, fin)
    return FUZZY_INITIALS.get(ini, ini), FUZZY_FINALS.get(fin, fin)


class PhoneticEncoder(dict[int, str]):
    """``encoder.encode(text)`` → 2 tokens per character (``len == 2 * len(text)``).

    A dict subclass used as a ``str.translate`` table: a character is looked up in
    pypinyin once, on first sight, then served from the dict at C speed.
    """

    def __init__(self) -> None:
        super().__init__()
        self._codes: dict[str, str] = {}

    def _code(self, part: str, base: int) -> str:
        key = f"{base}:{part}"
        c = self._codes.get(key)
        if c is None:
            c = chr(base + len([k for k in self._codes if k.startswith(f"{base}:")]))
            self._codes[key] = c
        return c

    def __missing__(self, o: int) -> str:
        ch = chr(o)
        spoken = _spoken(ch)
        code = (ch + _OTHER_FINAL if spoken is None else
                self._code(spoken[0], _INITIAL_BASE) + self._code(spoken[1], _FINAL_BASE))
        self[o] = code
        return code

    def encode(self, text: str) -> str:
        """Phonetic tokens for ``text``: token ``2i`` and ``2i+1`` belong to ``text[i]``."""
        return text.translate(self)

    def syllable(self, ch: str) -> str:
        """The two tokens of one character (for tests and diagnostics)."""
        return self[ord(ch)]

    @staticmethod
    def pinyin(ch: str) -> str:
        """The toneless pinyin of one character as spoken, no fuzzy pair merged (ni for 你
        and 泥, li for 里), or the character itself when it has none."""
        return lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0]


def _spoken(ch: str) -> tuple[str, str] | None:
    """The (fuzzy-class) initial and final of a Chinese character, or None for any other
    character or one pypinyin has no reading for."""
    if not ("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or
            "\U00020000" <= ch <= "\U0002fa1f"):  # CJK, compatibility, extensions B-F
        return None
    py = PhoneticEncoder.pinyin(ch)
    return split_syllable(py) if py and py.isascii() and py.isalpha() else None


@functools.lru_cache(maxsize=65536)
def _syllable(ch: str) -> str | None:
    spoken = _spoken(ch)
    return None if spoken is None else f"{spoken[0]}-{spoken[1]}"


def syllables(text: str) -> list[str]:
    """The syllables of ``text``'s Chinese characters as spoken, toneless, with the fuzzy
    pairs in one class (``zh-i`` for 之, 知 and 资 alike), one per character; other
    characters have none. What a recogniser's homophones and near-homophones keep of the
    words said (好频宁可 for 好评您可: ``h-ao p-in l-in k-e`` both)."""
    return [s for s in map(_syllable, text) if s is not None]
