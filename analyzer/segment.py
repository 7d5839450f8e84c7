"""Word segmentation with jieba, using a user dictionary built from the phrasebank.

One ``jieba.Tokenizer`` is built (and initialised) per :class:`Segmenter`, at start-up,
never per call. The matcher asks for word boundaries only around short phrase and
lexicon hits (a whole-utterance cut costs ~100 µs; a window of a few characters a
fraction of that), so that 你们必须 is not found inside 我们必须 and 滚 not inside 滚动.
"""

from __future__ import annotations

import array
import hashlib
import logging
import os
import re
import sys
from collections.abc import Iterable
from math import log as _ln
from pathlib import Path

# jieba imports pkg_resources (deprecated; a tenth of a second of start-up) only to open
# its own data files, and opens them by path when it cannot: it is kept from it here.
_NO_PKG_RESOURCES = "pkg_resources" not in sys.modules
if _NO_PKG_RESOURCES:
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
try:
    import jieba
finally:
    if _NO_PKG_RESOURCES:
        del sys.modules["pkg_resources"]

from phrasebank import Phrasebank, expand_form  # noqa: E402 - after jieba, see above

__all__ = ["Segmenter", "phrasebank_words", "prefix_dict"]

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

_SPLIT = re.compile(r"[\x01\x02\W_]+")
_PREFIX = float("inf")  # no log-probability is positive
_HAN = re.compile("[\u4e00-\u9fd5]+")  # what jieba's dictionary cut sees as one block


def phrasebank_words(bank: Phrasebank) -> list[str]:
    """Words the tokenizer must keep whole: lexicon words and the short forms (你们必须)."""
    words: list[str] = []
    for group in bank.lexicon:
        words.extend(group.words)
    for e in bank.entries:
        for f in e.forms:
            for x in expand_form(f):
                if _SPLIT.search(x):
                    continue  # a slot, gap or punctuation: not a short form
                if 2 <= len(x) <= bank.matching.short_max:
                    words.append(x)
    # Domain terms that the general dictionary splits.
    words.extend(["宽带", "检修", "申告", "工单", "光猫", "服务人员", "工程师", "说明书",
                  "水晶头", "深表歉意", "故障受理台", "社区经理", "客户经理"])
    seen: set[str] = set()
    return [w for w in words if not (w in seen or seen.add(w))]  # type: ignore[func-returns-value]


_PFDICT_MAGIC = b"huashu-prefix-dict 1\n"


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "huashu"


def prefix_dict(tok: jieba.Tokenizer, cache_dir: Path | None = None) -> tuple[dict[str, int], int]:
    """jieba's prefix dictionary (word or prefix -> frequency, and the total) of its default
    dictionary.

    jieba keeps it in a ``marshal`` cache whose reading takes most of the analyzer's start-up
    (0.75-1.3 s). huashu keeps its own copy, built once from jieba's: the keys as one text and
    the frequencies as an int64 array, read back in a quarter of the time. A missing,
    unreadable or damaged copy is built again; an unwritable cache folder only costs time.
    """
    src = Path(jieba.__file__).resolve().parent / "dict.txt"
    try:
        st = src.stat()
        stamp = f"{jieba.__version__}|{st.st_size}|{st.st_mtime_ns}|{sys.byteorder}"
    except OSError:
        stamp = ""
    path = None
    if stamp:
        digest = hashlib.sha256(stamp.encode()).hexdigest()[:16]
        path = (cache_dir or _cache_dir()) / f"jieba-prefix-{digest}.bin"
        try:
            return _read_prefix_dict(path)
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            log.warning("prefix dictionary cache %s unreadable (%s); building it again", path, exc)
    tok.initialize()  # jieba's own: its marshal cache, or dict.txt the first time
    if path is not None:
        try:
            _write_prefix_dict(path, tok.FREQ, tok.total)
        except OSError as exc:
            log.info("prefix dictionary cache not written to %s: %s", path, exc)
    return tok.FREQ, tok.total


def _write_prefix_dict(path: Path, freq: dict[str, int], total: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = "\n".join(freq).encode("utf-8")
    values = array.array("q", freq.values())
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(_PFDICT_MAGIC + f"{total} {len(values)}\n".encode())
        fh.write(values.tobytes())
        fh.write(keys)
    os.replace(tmp, path)  # readers see the whole file or none


def _read_prefix_dict(path: Path) -> tuple[dict[str, int], int]:
    data = path.read_bytes()
    if not data.startswith(_PFDICT_MAGIC):
        raise ValueError("not a prefix dictionary")
    head_end = data.index(b"\n", len(_PFDICT_MAGIC))
    total_s, count_s = data[len(_PFDICT_MAGIC):head_end].split()
    total, count = int(total_s), int(count_s)
    start = head_end + 1
    values = array.array("q")
    values.frombytes(data[start:start + 8 * count])
    keys = data[start + 8 * count:].decode("utf-8").split("\n")
    if len(keys) != count or len(values) != count or total <= 0:
        raise ValueError("truncated")
    return dict(zip(keys, values, strict=True)), total


class Segmenter:
    """A jieba tokenizer with the phrasebank's words; thread-safe after construction."""

    def __init__(self, words: Iterable[str] = (), *, cache_dir: Path | None = None) -> None:
        self._tok = jieba.Tokenizer()
        self._tok.FREQ, self._tok.total = prefix_dict(self._tok, cache_dir)
        self._tok.initialized = True
        for w in words:
            # A high frequency makes the word win over the general dictionary's splits.
            self._tok.add_word(w, freq=200000)
        self._freq = self._tok.FREQ
        self._logtotal = _ln(self._tok.total)
        # log P(word) of the dictionary's strings, filled as they are met (_PREFIX: only a
        # prefix of longer words).
        self._logp: dict[str, float] = {}

    def cut(self, text: str) -> list[tuple[str, int, int]]:
        """Words of ``text`` with their ``[start, end)`` offsets."""
        out = []
        pos = 0
        for w in self._tok.cut(text, HMM=False):
            out.append((w, pos, pos + len(w)))
            pos += len(w)
        return out

    def boundaries(self, text: str) -> set[int]:
        """Offsets in ``text`` where a word starts or ends."""
        b = {0, len(text)}
        for _, s, e in self.cut(text):
            b.add(s)
            b.add(e)
        return b

    def is_word_span(self, text: str, start: int, end: int, context: int = 4) -> bool:
        """True when ``text[start:end]`` starts and ends on word boundaries.

        Only a window of ``context`` characters around the span is cut: boundaries
        further away cannot change these two.
        """
        lo = max(0, start - context)
        hi = min(len(text), end + context)
        window = text[lo:hi]
        if _HAN.fullmatch(window):
            b = self._han_boundaries(window)
        else:
            b = self.boundaries(window)
        return (start - lo) in b and (end - lo) in b

    def _han_boundaries(self, s: str) -> set[int]:
        """jieba's cut without HMM (max-probability route over the word DAG) for a run of
        Chinese characters, without its generator and regex layers (the matcher calls this
        per short-phrase hit; it returns exactly the boundaries of :meth:`boundaries`)."""
        freq = self._freq
        logtotal = self._logtotal
        logp = self._logp
        n = len(s)
        route: list[tuple[float, int]] = [(0.0, 0)] * (n + 1)
        for idx in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            i = idx
            frag = s[idx]
            while i < n:
                lp = logp.get(frag)
                if lp is None:
                    f = freq.get(frag)
                    if f is None:  # no word of the dictionary starts like this
                        break
                    # Only the dictionary's own strings are kept: bounded by its size.
                    lp = logp[frag] = _ln(f) - logtotal if f else _PREFIX
                if lp != _PREFIX:
                    cand = (lp + route[i + 1][0], i)
                    if best is None or cand > best:
                        best = cand
                i += 1
                frag = s[idx:i + 1]
            if best is None:  # an unknown character is a word of its own
                best = (_ln(freq.get(s[idx]) or 1) - logtotal + route[idx + 1][0], idx)
            route[idx] = best
        out = {0, n}
        x = 0
        while x < n:
            x = route[x][1] + 1
            out.add(x)
        return out
