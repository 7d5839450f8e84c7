"""Rules (see :mod:`phrasebank.rules`) compiled for matching: a regular expression each,
and an anchor that tells cheaply whether an utterance may hold a match.

A rule runs over the normalised text. Its words are normalised the same way when it is
compiled. A rule whose every match is at least :data:`MIN_SOUNDALIKE_CHARS` characters
long also runs over the text with each character replaced by the bank's own character of
the same sound (夒子有问题 reads 脑子有问题); a match by sound of fewer than
:data:`WHOLE_WORDS_BELOW` characters must be whole words, and a rule that short takes a
character of grammar as written (see there): otherwise harmless homophones became
findings. The bank's ``matching.exact_sound`` characters are their own pinyin only
(你 is 泥 and 尼, not, with n and l alike, 里, 理, 力 …), and a violation's match is refused
where a word of two characters is said as a commoner word of its sound with no character
in common (:meth:`RuleSet._commoner`: 因为 is not 淫猥). A rule runs only when the utterance holds, by sound, a word of each of its
required tokens (a superset of holding them by characters): one look-up per syllable and
pair of the utterance tells which rules can match at all, and most utterances run none.

A recogniser also writes a word with one syllable half misheard: its initial or its final
right, the other wrong (嘴时 for 准时, 哪间 for 哪天, 买意 for 满意; Whisper base on the v2
recordings, often with confidence: 嘴 at p 0.76 and 0.96). For a recogniser's text
(:attr:`SourcePolicy.near_rules_from`), a rule that found nothing runs once more over the
utterance's phonetic code, where one word of several syllables may have one syllable half
wrong. One word, not more: a rule stays the bank's description of the line, and every other
word of it must be heard. Only rules of script lines do this (the matcher's choice): a
finding of a violation needs its words (measured on the typed dev and check rows read as a
recogniser's: 8 false violations, 您好请问 read as an 8.0 rule's words, and none false
among script lines). A match scores :data:`~analyzer.matching.NEAR_RULE_SCORE`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from phrasebank.rules import END, Choice, Gap, Rule

from ..normalise import Normalised
from ..phonetic import ANY_FINAL, ANY_INITIAL, PhoneticEncoder
from .forms import CompiledBank

__all__ = ["GUARD_SOUNDALIKE_FROM", "MIN_SOUNDALIKE_CHARS", "WHOLE_WORDS_BELOW", "RuleHit",
           "RuleSet", "SameSound"]

MIN_SOUNDALIKE_CHARS = 3
# Short sound-alikes are read strictly: a sound-alike match shorter than this must start and
# end on the text's word boundaries (the matcher checks, with its segmenter: 恢复了您 holds
# 服了你 by sound from inside 恢复), and a rule that can match fewer characters than this
# takes a character of grammar as written (the bank's function_chars: 就 is not 酒) and a
# word of one character by sound only beside another of its words (RuleSet._lone_syllable:
# 签这二十吧,收了 is no 钱…收了; in noisy v2dd03 that false 9.11 kept two of the customer's
# utterances inside the agent's, since a violation is never cut). Rules
# of this length and more read by sound as before (the recogniser writes 的 for 得 and 在
# for 再 in longer matches that are real: 你们一定的先把钱交了). Rules of three characters by
# sound (4 before) found 10 more of the violations of the ASR sets (the v2 dev rows, the
# uncivil sets, the probes as Whisper wrote them; v2 dev recall 0.927 -> 0.951) and no
# innocent row a violation (揪的光帽带走, Whisper's 旧的光猫带走, was 酒…带走); without these
# checks, 8 utterances of the v2 and fresh recordings more and 2 rows of those sets; without
# the one-syllable check, the innocent row above and noisy v2dd03 as said.
WHOLE_WORDS_BELOW = 4
# An 8.0 word's guard (its look-alike) of this many characters or more matches a
# recogniser's text by sound too: the recogniser misspells the harmless word as it does a
# violation (滚筒在转 written 滚痛再转 was 滚, crude talk; 屁帘儿 written 屁蓮兒 was 个屁).
GUARD_SOUNDALIKE_FROM = 2
# how a rule's ^ and $ read clauses (_Compiled.clauses)
_NOT_CLAUSES, _ENDS_CLAUSE, _WHOLE_CLAUSES = 0, 1, 2
_MAX_ACROSS = 256  # a pair across two tokens is a candidate anchor up to this many codes
P = TypeVar("P")


class SameSound(dict[int, str]):
    """A ``str.translate`` table: a character → the bank's first character of its sound.
    A character of ``exact_sound`` is the sound of its own pinyin only, without the fuzzy
    pairs: the characters of that pinyin become it, and no other."""

    def __init__(self, encoder: PhoneticEncoder, vocabulary: str,
                 exact_sound: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.encoder = encoder
        # fuzzy code -> (the character, its own pinyin)
        self.exact = {encoder.encode(ch): (ch, encoder.pinyin(ch)) for ch in exact_sound}
        self.by_code: dict[str, str] = {}
        for ch in vocabulary:
            if _is_han(ch) and ch not in exact_sound:
                self.by_code.setdefault(encoder.encode(ch), ch)

    def __missing__(self, o: int) -> str:
        ch = chr(o)
        r = ch
        if _is_han(ch):
            code = self.encoder.encode(ch)
            exact = self.exact.get(code)
            if exact is not None and self.encoder.pinyin(ch) == exact[1]:
                r = exact[0]
            else:
                r = self.by_code.get(code, ch)
        self[o] = r
        return r


def _near_short(needs: tuple[tuple[frozenset[str], ...], ...], sounds: set[str]) -> int | None:
    """Whether an utterance of these syllables can hold a match with one word half heard:
    every required token but one has a word all of whose syllables it holds, and that one
    a word of two or more of which it holds all syllables but one. None: it cannot; else the
    index of the token short of a syllable, -1 when none is (any may be the one half
    heard)."""
    short = -1
    for k, words in enumerate(needs):
        for w in words:
            if w <= sounds:
                break
        else:
            if short >= 0 or not any(len(w) >= 2 and len(w - sounds) == 1 for w in words):
                return None
            short = k
    return short


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\U00020000" <= ch <= "\U0002fa1f"


class RuleHit(NamedTuple, Generic[P]):
    """A rule's match: offsets in the normalised text, what it means, the rule's text (a
    tuple: the matcher makes many of them; a frozen dataclass costs twice as much to
    make, 0.52 µs against 0.23)."""

    start: int
    end: int
    payload: P
    rule: str
    near: bool = False  # one word of it half heard (see the module)
    by_sound: bool = False  # matched over the text read by sound, not as written


@dataclass
class _Compiled(Generic[P]):
    literal: re.Pattern[str]
    soundalike: re.Pattern[str] | None
    # a violation's rule: its word tokens' words (``soundalike`` has a group per token, in
    # order), to tell which word a sound-alike match stands for; () for other rules
    token_words: tuple[tuple[str, ...], ...]
    # Over the phonetic code, per required token that has a word of two or more Chinese
    # syllables: the rule with that token's words half heard (in group 1), the others whole.
    near: dict[int, re.Pattern[str]] | None
    # per required token, its words as sets of syllables (see _near_short), and all of them
    near_needs: tuple[tuple[frozenset[str], ...], ...]
    near_any: tuple[frozenset[str], ...]
    payload: P
    min_chars: int
    text: str
    # its $ is also a clause's end: with ^ too (a whole clause), it runs over each stretch
    # of whole clauses; without, over each stretch from the start (see RuleSet.find)
    clauses: int = _NOT_CLAUSES


class RuleSet(Generic[P]):
    """Rules, each with a payload (what a match of it means), compiled over a bank."""

    def __init__(self, bank: CompiledBank, rules: Iterable[tuple[Rule, P]],
                 vocabulary: str = "", near_if: Callable[[P], bool] | None = None,
                 commoner_if: Callable[[P], bool] | None = None,
                 soundalike_from: int = MIN_SOUNDALIKE_CHARS) -> None:
        """``near_if(payload)``: whether that rule may match with a word half heard (see
        the module); None: none may. ``commoner_if(payload)``: whether a sound-alike match
        of that rule is refused where the text says a commoner word of the sound (see
        :meth:`_commoner`); None: for none."""
        self.bank = bank
        self.same_sound = SameSound(bank.encoder, vocabulary,
                                    frozenset(bank.bank.matching.exact_sound)) \
            if bank.options.phonetic else None
        self.frequency = bank.word_frequency
        self.function_chars = frozenset(bank.bank.matching.function_chars)
        # what two tokens said in a row may hold between them (the bank's rule_adverbs), and
        # that as a regular expression: one of them as written, or nothing
        self.adverbs = tuple(dict.fromkeys(
            w for w in (bank.normalise(a) for a in bank.bank.matching.rule_adverbs) if w))
        between = "(?:" + "|".join(map(re.escape, self.adverbs)) + ")?" if self.adverbs else ""
        self.rules: list[_Compiled[P]] = []
        # Each rule is anchored by up to three sets of codes least likely in speech (see
        # _anchors): it runs when the utterance holds a code of each. The first is looked
        # up (code -> rules), the others tested on the rules found. Measured on the bench
        # rows: 16 rules ran per utterance with one anchor, 2.3 with two, 1.2 with three.
        postings: dict[str, set[int]] = {}  # first anchor's code -> rules
        near_postings: dict[str, list[int]] = {}  # see _near_keys
        self.extra: list[tuple[frozenset[str], ...]] = []  # per rule, its other anchors
        for rule, payload in rules:
            tokens = [self._normalised(t) for t in rule.tokens]
            if any(isinstance(t, Choice) and not t.words and not t.optional for t in tokens):
                continue  # a required word vanished in normalisation: it cannot be said
            source = self._join(tokens, self._regex, between)
            sounds = None
            token_words: tuple[tuple[str, ...], ...] = ()
            near: dict[int, re.Pattern[str]] | None = None
            near_needs: tuple[tuple[frozenset[str], ...], ...] = ()
            if self.same_sound is not None and rule.min_chars >= soundalike_from:
                told = commoner_if is not None and commoner_if(payload)
                # no adverb between two words read by sound: by sound 客 is 可, and
                # 你太客气门 (a recogniser's 你太客气了) read as 你太可…, an insult
                sounds = re.compile("".join(self._regex(t, self.same_sound, capture=told)
                                            for t in tokens))
                if told:
                    token_words = tuple(t.words for t in tokens if isinstance(t, Choice))
                if near_if is not None and near_if(payload):
                    near = self._near_patterns(tokens)
                    near_needs = self._near_needs(tokens)
            i = len(self.rules)
            if near:
                for x in self._near_keys(tokens):
                    near_postings.setdefault(x, []).append(i)
            self.rules.append(_Compiled(
                re.compile(source), sounds, token_words, near, near_needs,
                tuple(frozenset(x for w in words for x in w) for words in near_needs),
                payload, rule.min_chars, rule.text, self._clause_reading(tokens)))
            anchors = self._anchors(tokens)
            for c in anchors[0] if anchors else ():
                postings.setdefault(c, set()).add(i)
            self.extra.append(tuple(frozenset(a) for a in anchors[1:]))
        self.postings = {c: tuple(sorted(r)) for c, r in postings.items()}
        self.near_postings = {x: tuple(v) for x, v in near_postings.items()}
        self.near_keys = frozenset(self.near_postings)
        # a set intersected with a set iterates over the smaller one, with a dict over the
        # dict's keys
        self.keys = frozenset(self.postings)

    @staticmethod
    def _clause_reading(tokens: list[Choice | Gap | str]) -> int:
        """How the rule's ^ and $ read an utterance of several clauses (see :meth:`find`)."""
        if not any(t == "$" or (isinstance(t, Choice) and END in t.words) for t in tokens):
            return _NOT_CLAUSES
        return _WHOLE_CLAUSES if tokens and tokens[0] == "^" else _ENDS_CLAUSE

    @staticmethod
    def _join(tokens: list[Choice | Gap | str], piece: Callable[[Choice | Gap | str], str],
              between: str) -> str:
        """The tokens' regular expressions (``piece``) in order, ``between`` two words or
        groups said in a row."""
        out: list[str] = []
        for k, t in enumerate(tokens):
            if between and k and isinstance(t, Choice) and isinstance(tokens[k - 1], Choice):
                out.append(between)
            out.append(piece(t))
        return "".join(out)

    def _anchors(self, tokens: list[Choice | Gap | str]) -> list[set[str]]:
        """The three sets of codes least likely in speech (by
        :meth:`CompiledBank.sound_likelihood`) such that every match holds one code of each.
        Candidates: per required token, each word's least likely pair of syllables (one-
        syllable words by their syllable: a rare word that starts like a common one,
        不可理喻, is still rare); per two required tokens said in a row, the last syllable
        of one with the first of the next (你 + 傻: 你傻)."""
        like = self.bank.sound_likelihood
        encode = self.bank.encode
        scored: list[tuple[float, int, set[str]]] = []
        for k, t in enumerate(tokens):
            if not isinstance(t, Choice) or not self._required(t):
                continue
            codes = self._word_keys(t)
            scored.append((sum(map(like, codes)), len(scored), codes))
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if isinstance(nxt, Choice) and self._required(nxt) and \
                    len(t.words) * len(nxt.words) <= _MAX_ACROSS:
                # an adverb between them: their pair is the word's last syllable with it
                across = {encode(a[-1] + b[0]) for a in t.words
                          for b in (*nxt.words, *self.adverbs)}
                scored.append((sum(map(like, across)), len(scored), across))
        return [codes for _, _, codes in sorted(scored)[:3]]

    def _word_keys(self, t: Choice) -> set[str]:
        """Each word of ``t`` by its least likely pair of syllables (a one-syllable word by
        its syllable: a rare word that starts like a common one, 不可理喻, is still rare)."""
        like = self.bank.sound_likelihood
        keys = set()
        for w in t.words:
            c = self.bank.encode(w)
            pairs = [c[x:x + 4] for x in range(0, len(c) - 2, 2)]
            keys.add(min(pairs, key=like) if pairs else c)
        return keys

    def _syllables(self, word: str) -> list[str]:
        """The codes of ``word``'s syllables, in order."""
        code = self.bank.encode(word)
        return [code[x:x + 2] for x in range(0, len(code), 2)]

    def _normalised(self, t: Choice | Gap | str) -> Choice | Gap | str:
        if not isinstance(t, Choice):
            return t
        words = tuple(dict.fromkeys(w for w in (x if x == END else self.bank.normalise(x)
                                                for x in t.words) if w))
        return Choice(words, t.optional)

    @staticmethod
    def _regex(t: Choice | Gap | str, table: SameSound | None = None,
               capture: bool = False) -> str:
        """``t`` as a regular expression (its words read through ``table``); with
        ``capture``, a word token is a group of its own."""
        if isinstance(t, Gap):
            return f".{{0,{t.max_chars}}}"
        if isinstance(t, str):
            return t  # ^ or $
        words = [w.translate(table) if table is not None else w for w in t.words]
        alts = "|".join("$" if w == END else re.escape(w) for w in dict.fromkeys(words))
        if len(t.words) == 1 and not t.optional and not capture:
            return "$" if words[0] == END else re.escape(words[0])
        group = "(" if capture else "(?:"
        return f"{group}{alts})?" if t.optional else f"{group}{alts})"

    def _commoner(self, m: re.Match[str], chars: str, token_words: tuple[tuple[str, ...], ...],
                  ) -> bool:
        """Whether a sound-alike match ``m`` (of ``chars`` read by sound) has a word of two
        characters said as another word of its sound, no character in common, that is
        commoner (jieba's frequency): then that word is what was said, 因为 and not 淫猥 (a
        trait drawn from HowNet's negative words, read by sound in 您是因为网速慢才换的套餐吗
        as an insult). A word with a character in common is the recogniser's slip (客服
        written 克服: the dev row 克服问你,你就说非常满意 is 9.13)."""
        assert self.same_sound is not None
        freq = self.frequency
        for g, words in enumerate(token_words, start=1):
            said = m.group(g)
            if not said or len(said) != 2:
                continue
            written = chars[m.start(g): m.end(g)]
            if written in words:
                continue
            meant = [w for w in words if w.translate(self.same_sound) == said
                     and all(a != b for a, b in zip(w, written, strict=True))]
            if meant and freq.get(written, 0) > max(freq.get(w, 0) for w in meant):
                return True
        return False

    def _grammar_read_as_word(self, m: re.Match[str], chars: str,
                              token_words: tuple[tuple[str, ...], ...]) -> bool:
        """Whether a sound-alike match ``m`` (of ``chars`` read by sound) takes a character
        of grammar as written (the bank's ``function_chars``) for another character of a
        word of the rule: 就 for 酒, 的 for 得. Such a character is what it is: the
        recogniser writes it where it was said."""
        assert self.same_sound is not None
        for g, words in enumerate(token_words, start=1):
            said = m.group(g)
            if not said:
                continue
            written = chars[m.start(g): m.end(g)]
            if written in words or self.function_chars.isdisjoint(written):
                continue
            meant = [w for w in words if w.translate(self.same_sound) == said]
            if meant and all(any(a != b and a in self.function_chars
                                 for a, b in zip(written, w, strict=True)) for w in meant):
                return True
        return False

    @staticmethod
    def _lone_syllable(m: re.Match[str], chars: str,
                       token_words: tuple[tuple[str, ...], ...]) -> bool:
        """Whether a sound-alike match ``m`` (of ``chars`` read by sound) takes a character
        as another of a one-character word of the rule with no other word of the rule
        beside it: one syllable, a gap on either side, is any of the many characters of its
        sound (签这二十吧,收了 held 钱…收了, a token taken; 旧的光猫带走 酒…带走). Beside
        another word it is the rule's (你是珠吗 is 你是猪吗)."""
        spans = [(m.start(g), m.end(g)) if m.group(g) else None
                 for g in range(1, len(token_words) + 1)]
        for k, (span, words) in enumerate(zip(spans, token_words, strict=True)):
            if span is None or span[1] - span[0] != 1 or chars[span[0]:span[1]] in words:
                continue
            before = next((p for p in reversed(spans[:k]) if p is not None), None)
            after = next((p for p in spans[k + 1:] if p is not None), None)
            if not ((before is not None and before[1] == span[0])
                    or (after is not None and after[0] == span[1])):
                return True
        return False

    @staticmethod
    def _required(t: Choice | Gap | str) -> bool:
        return isinstance(t, Choice) and not t.optional and END not in t.words

    def _near_keys(self, tokens: list[Choice | Gap | str]) -> set[str]:
        """The sounds a rule is looked up by for a match with one word half heard: of its two
        required tokens least likely in speech, each word's least likely pair of syllables
        (a one-syllable word: its syllable). At most one token is half heard, so a match
        holds a word of the other whole, hence its key. A rule of one required token: every
        syllable of its words (all but one of them are heard)."""
        like = self.bank.sound_likelihood
        keyed: list[tuple[float, int, set[str], Choice]] = []
        for t in tokens:
            if isinstance(t, Choice) and self._required(t):
                keys = self._word_keys(t)
                keyed.append((sum(map(like, keys)), len(keyed), keys, t))
        keyed.sort(key=lambda k: (k[0], k[1]))
        if len(keyed) >= 2:
            return keyed[0][2] | keyed[1][2]
        if keyed:
            return {x for w in keyed[0][3].words for x in self._syllables(w)}
        return set()

    def _near_needs(self, tokens: list[Choice | Gap | str]
                    ) -> tuple[tuple[frozenset[str], ...], ...]:
        """Per required token, its words as sets of syllables (codes)."""
        return tuple(tuple(frozenset(self._syllables(w)) for w in t.words) for t in tokens
                     if isinstance(t, Choice) and self._required(t))

    def _near_patterns(self, tokens: list[Choice | Gap | str]) -> dict[int, re.Pattern[str]]:
        """Per required token (its index among them) with words to half hear: the rule with
        that token half heard and the others as they sound. One token at a time, so that a
        match has one word half heard, not more."""
        out = {}
        k = -1
        for i, t in enumerate(tokens):
            if not self._required(t):
                continue
            k += 1
            relaxed = self._near_regex(t, True)
            if relaxed:
                out[k] = re.compile("".join(relaxed if j == i else self._near_regex(x, False)
                                            for j, x in enumerate(tokens)))
        return out

    def _near_regex(self, t: Choice | Gap | str, half: bool) -> str:
        """``t`` over the phonetic code (two tokens a character): each word as it sounds or,
        with ``half``, for a word of two or more Chinese syllables, with one syllable's
        initial or final anything (all those alternatives in one group); "" when ``half``
        finds no such word."""
        if isinstance(t, Gap):
            return f"(?:..){{0,{t.max_chars}}}"
        if isinstance(t, str):
            return t  # ^ or $
        alts, near = [], []
        for w in dict.fromkeys(t.words):
            if w == END:
                alts.append("$")
                continue
            code = self.bank.encode(w)
            alts.append(re.escape(code))
            for k, ch in enumerate(w):
                if len(w) < 2 or not _is_han(ch):
                    continue
                head, ini, fin = code[:2 * k], code[2 * k], code[2 * k + 1]
                tail = code[2 * k + 2:]
                near.append(re.escape(head) + ANY_INITIAL + re.escape(fin) + re.escape(tail))
                near.append(re.escape(head) + re.escape(ini) + ANY_FINAL + re.escape(tail))
        if half:
            if not near:
                return ""
            alts.append("(" + "|".join(near) + ")")
        return f"(?:{'|'.join(alts)}){'?' if t.optional else ''}"

    def candidates(self, sounds: set[str]) -> list[int]:
        """The rules whose anchors an utterance holds (``sounds``: its syllables and pairs
        of syllables), in rule order."""
        keys = sounds.intersection(self.keys)
        if not keys:
            return []
        extra = self.extra
        postings = self.postings
        found: list[int] = []
        for k in keys:
            for r in postings[k]:
                for a in extra[r]:
                    if sounds.isdisjoint(a):
                        break
                else:
                    found.append(r)
        if len(found) > 1:
            found = sorted(set(found))
        return found

    def find(self, norm: Normalised, sounds: set[str],
             soundalike_min_chars: int | None = MIN_SOUNDALIKE_CHARS, *,
             code: str | None = None,
             near_min_chars: int | None = None) -> list[RuleHit[P]]:
        """Matches in an utterance (``sounds``: its syllables and pairs of syllables), in
        rule order, literal matches of a rule before its sound-alike ones. Sound-alike
        matches only of rules whose every match has at least ``soundalike_min_chars``
        characters (None: none). With ``code`` (the utterance's phonetic code) and
        ``near_min_chars``, rules of at least that many characters that found nothing also
        match with one word half heard (see the module), after all the others.

        A rule's $ is the end of any of the utterance's clauses (an agent's turn, the
        recogniser's sentences joined: 真够笨的,一个插头插了十分钟), and a rule with ^ and $
        matches any stretch of whole clauses (行了,滚,别在这儿), see
        :attr:`Normalised.clause_starts`. A rule with ^ alone keeps to the utterance's
        start: a clause inside one often goes on with the one before it (…,靠专业说话 is
        "relying on", 应该做的是… "what should be done is"). Measured: ^ at every clause
        start as well read 9 of COLD's dev comments so (靠 four times, 操起 and 操控,
        连只鸟都看不到, 应该做的是 twice) and found nothing on the other sets that $ alone did
        not."""
        run = self.candidates(sounds)
        out: list[RuleHit[P]] = []
        if run:
            pieces = self._pieces(norm, run)
            self._find(run, norm.text, soundalike_min_chars, out, pieces)
        if code is not None and near_min_chars is not None:
            self._find_near(code, sounds, near_min_chars, {id(h.payload) for h in out}, out,
                            norm)
        return out

    def _pieces(self, norm: Normalised, run: list[int] | None) -> tuple[tuple[int, int], ...]:
        """The stretches of whole clauses of ``norm.text`` other than all of it, ``(start,
        end)``; () when it is one clause or (``run``: the candidate rules) none of those
        rules reads clauses (a $ in it)."""
        if run is not None and not any(self.rules[i].clauses for i in run):
            return ()
        starts = norm.clause_starts
        if not starts:
            return ()
        cuts = (0, *starts, len(norm.text))
        return tuple((a, b) for i, a in enumerate(cuts[:-1]) for b in cuts[i + 1:]
                     if (a, b) != (0, len(norm.text)))

    @staticmethod
    def _stretches(r: _Compiled[P], length: int,
                   pieces: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        """What rule ``r`` reads of a text of ``length`` with these stretches of whole
        clauses (:meth:`_pieces`): all of it, then, with a $, each stretch from the start
        (with ^ too, each stretch)."""
        whole = ((0, length),)
        if not r.clauses or not pieces:
            return whole
        return (*whole, *(x for x in pieces if x[0] == 0 or r.clauses == _WHOLE_CLAUSES))

    def _find_near(self, code: str, sounds: set[str], min_chars: int, found: set[int],
                   out: list[RuleHit[P]], norm: Normalised) -> None:
        # Run on every rule, the regular expressions cost ~0.25 ms an utterance. The rules
        # looked up by their keys (_near_keys), then two tests of the syllables each needs
        # leave few to run: one in C (a syllable of each token: near_any, which
        # _near_short implies, but it pays: 15,300 -> 16,100 utterances a second), then the
        # exact one (measured on 5,000 bench rows read as a recogniser's: 3,300 -> 16,100
        # utterances a second; 24,000 without the pass).
        keys = sounds.intersection(self.near_keys)
        if not keys:
            return
        pieces: tuple[tuple[int, int], ...] | None = None  # when a rule needs them
        postings = self.near_postings
        run = sorted({i for k in keys for i in postings[k]}) if len(keys) > 1 else \
            postings[next(iter(keys))]
        for i in run:
            r = self.rules[i]
            if r.min_chars < min_chars or id(r.payload) in found:
                continue
            for u in r.near_any:
                if sounds.isdisjoint(u):
                    break
            else:
                short = _near_short(r.near_needs, sounds)
                if short is None:
                    continue
                assert r.near is not None  # posted rules have their patterns
                patterns = r.near.values() if short < 0 else \
                    [r.near[short]] if short in r.near else []
                # the whole code, then (a rule with $) each stretch of clauses, two codes
                # a character
                if r.clauses and pieces is None:
                    pieces = self._pieces(norm, None)
                spans = [(2 * a, 2 * b)
                         for a, b in self._stretches(r, len(norm.text), pieces or ())]
                hit = None
                for pattern in patterns:
                    for a, b in spans:
                        # a match on a syllable, with its word half heard (exact ones are
                        # the other passes'); code[a:b] makes ^ and $ the stretch's ends
                        piece = code[a:b] if b - a < len(code) else code
                        m = next((m for m in pattern.finditer(piece)
                                  if m.start() % 2 == 0 and m.group(1) is not None), None)
                        if m is not None:
                            hit = RuleHit((a + m.start()) // 2, (a + m.end()) // 2,
                                          r.payload, r.text, True)
                            break
                    if hit is not None:
                        out.append(hit)
                        found.add(id(r.payload))
                        break

    def _find(self, run: list[int], chars: str, soundalike_min_chars: int | None,
              out: list[RuleHit[P]], pieces: tuple[tuple[int, int], ...] = ()) -> None:
        soundalike: str | None = None
        rules = self.rules
        for i in run:
            r = rules[i]
            spans = self._stretches(r, len(chars), pieces)
            # a match found over the whole text and again over a stretch is one match
            seen: set[tuple[int, int]] = set()
            for a, b in spans:
                # chars[a:b] makes ^ and $ the stretch's ends (a clause's start and end)
                text = chars if b - a == len(chars) else chars[a:b]
                # most candidates match nothing: one search says so (no iterator, no hits)
                if r.literal.search(text) is not None:
                    for m in r.literal.finditer(text):
                        if (a + m.start(), a + m.end()) not in seen:
                            seen.add((a + m.start(), a + m.end()))
                            out.append(RuleHit(a + m.start(), a + m.end(), r.payload, r.text))
            if r.soundalike is None or soundalike_min_chars is None \
                    or r.min_chars < soundalike_min_chars:
                continue
            if soundalike is None:
                assert self.same_sound is not None
                soundalike = chars.translate(self.same_sound)
            # a sound-alike match stays beside a literal one at the same place (as ever);
            # only one found again over a stretch is dropped
            seen.clear()
            for a, b in spans:
                text, heard = (chars, soundalike) if b - a == len(chars) else \
                    (chars[a:b], soundalike[a:b])
                if r.soundalike.search(heard) is None:
                    continue
                for m in r.soundalike.finditer(heard):
                    if (a + m.start(), a + m.end()) in seen:
                        continue
                    if not r.token_words or not (
                            self._commoner(m, text, r.token_words)
                            or (r.min_chars < WHOLE_WORDS_BELOW and (
                                self._grammar_read_as_word(m, text, r.token_words)
                                or self._lone_syllable(m, text, r.token_words)))):
                        seen.add((a + m.start(), a + m.end()))
                        out.append(RuleHit(a + m.start(), a + m.end(), r.payload, r.text,
                                           by_sound=True))
