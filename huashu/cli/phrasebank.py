"""``huashu phrasebank suggest``: phrasebank changes that reviewers' verdicts suggest."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Any

from ..config import get_settings

__all__ = ["register"]

log = logging.getLogger("huashu")

_ACTION = {"guard": "加防误报(guard)", "variant": "加变体(variant)"}


def cmd_suggest(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    import phrasebank as pb
    from analyzer.suggest import apply_suggestion
    from analyzer.text import Analyzer
    from api.db import Database
    from api.models import PhrasebankVersion
    from api.reviews import ReviewStore

    from ..compose import analyzer_options, load_analyzer

    settings = get_settings()
    db = Database.from_settings(settings.service)
    with db.session() as s:  # the bank the service runs: its active version, if any
        active = s.scalar(select(PhrasebankVersion.yaml)
                          .where(PhrasebankVersion.active.is_(True)))
    an = Analyzer(pb.loads(active, source="active phrasebank"), analyzer_options(settings)) \
        if active else load_analyzer(settings)

    def bank_yaml(version: str) -> str | None:
        with db.session() as s:
            return s.scalar(select(PhrasebankVersion.yaml)
                            .where(PhrasebankVersion.version == version))

    store = ReviewStore(db, lambda: an, bank_yaml)
    found, tested_on = store.suggestions(limit=args.limit)
    out = sys.stdout
    if args.apply:
        chosen = next((x for x in found if x.id == args.apply), None)
        if chosen is None:
            log.error("no suggestion %r for phrasebank %s", args.apply, an.version)
            return 1
        Path(args.out).write_text(apply_suggestion(an.bank.raw, chosen), encoding="utf-8")
        out.write(f"已写入 {args.out}:{chosen.target} 加上 {chosen.item}\n"
                  f"安装:PUT /v1/phrasebank,或设置 HUASHU_PHRASEBANK={args.out}\n")
        return 0
    if args.json:
        out.write(json.dumps({"phrasebank_version": an.version, "tested_on": tested_on,
                              "suggestions": [x.to_dict() for x in found]},
                             ensure_ascii=False) + "\n")
        return 0
    out.write(f"话术库 {an.version}:{len(found)} 条建议,每条都在 {tested_on} 句已存语句上试过\n")
    for x in found:
        t: Any = x.test
        out.write(f"\n[{x.id}] {_ACTION.get(x.action, x.action)} {x.ref} → {x.target}\n")
        out.write(f"  内容:{x.item}\n  理由:{x.reason}(来自 {len(x.feedback)} 条复核:"
                  f"{', '.join(f.where for f in x.feedback[:3])})\n")
        out.write(f"  试验:新增标记 {t.adds} 句,去掉标记 {t.removes} 句;"
                  f"{'解决' if t.fixes else '未解决'}复核员指出的问题\n")
        for e in t.add_examples:
            out.write(f"    + {e}\n")
        for e in t.remove_examples:
            out.write(f"    - {e}\n")
    return 0


def register(sub: Any) -> None:
    """Add ``phrasebank suggest`` to the ``huashu`` command."""
    p = sub.add_parser("phrasebank", help="the phrasebank: suggestions from reviews")
    ps = p.add_subparsers(dest="phrasebank_command", required=True)
    s = ps.add_parser("suggest", help="list the changes reviewers' verdicts suggest, tested "
                                      "on every stored utterance (the service's database)")
    s.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    s.add_argument("--json", action="store_true", help="print JSON")
    s.add_argument("--apply", metavar="ID", help="write the bank with this suggestion to --out")
    s.add_argument("--out", default="phrasebank.yaml",
                   help="where --apply writes the bank (default phrasebank.yaml)")
    s.set_defaults(func=cmd_suggest)
