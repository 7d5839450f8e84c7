"""Reviews: verdicts on flags (history kept), the machine flags of finished recordings, and
the review columns of recordings (state, reviewed score).

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("review_state", sa.String(12), nullable=False,
                                          server_default="unreviewed"))
    op.add_column("recordings", sa.Column("reviewed_score", sa.Integer, nullable=True))
    op.add_column("recordings", sa.Column("review_verdicts", sa.Integer, nullable=False,
                                          server_default="0"))
    op.add_column("recordings", sa.Column("review_updated_at", sa.DateTime(timezone=True),
                                          nullable=True))
    op.create_index("ix_recordings_review_created", "recordings",
                    ["review_state", "created_at"])
    flags = op.create_table(
        "recording_flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recording_id", sa.String(32),
                  sa.ForeignKey("recordings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("flag_id", sa.String(100), nullable=False),
        sa.Column("utterance", sa.Integer, nullable=False),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
    )
    op.create_index("ix_recording_flags_recording", "recording_flags",
                    ["recording_id", "flag_id"], unique=True)
    op.create_index("ix_recording_flags_ref", "recording_flags", ["ref"])
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recording_id", sa.String(32),
                  sa.ForeignKey("recordings.id", ondelete="CASCADE"), nullable=False),
        sa.Column("flag_id", sa.String(100), nullable=False),
        sa.Column("utterance", sa.Integer, nullable=False),
        sa.Column("ref", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("verdict", sa.String(12), nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("matched", sa.Text, nullable=False),
        sa.Column("standard", sa.Text, nullable=False),
    )
    op.create_index("ix_verdicts_recording_flag", "verdicts", ["recording_id", "flag_id", "id"])
    op.create_index("ix_verdicts_created", "verdicts", ["created_at"])

    # The flags of recordings finished before this revision, from their results.
    conn = op.get_bind()
    done = conn.execute(sa.text("SELECT id, result FROM recordings "
                                "WHERE status = 'done' AND result IS NOT NULL"))
    for rid, result in done:
        rows = _flag_rows(rid, json.loads(result))
        if rows:
            conn.execute(flags.insert(), rows)


def _flag_rows(rid: str, result: dict) -> list[dict]:  # type: ignore[type-arg]
    rows, seen = [], set()
    for i, u in enumerate(result.get("utterances") or []):
        for f in u.get("flags") or []:
            fid = f"{i}:{f['ref']}:{f['span'][0]}"
            if fid not in seen:
                seen.add(fid)
                rows.append({"recording_id": rid, "flag_id": fid, "utterance": i,
                             "ref": f["ref"], "kind": f["kind"]})
    return rows


def downgrade() -> None:
    op.drop_index("ix_verdicts_created", "verdicts")
    op.drop_index("ix_verdicts_recording_flag", "verdicts")
    op.drop_table("verdicts")
    op.drop_index("ix_recording_flags_ref", "recording_flags")
    op.drop_index("ix_recording_flags_recording", "recording_flags")
    op.drop_table("recording_flags")
    op.drop_index("ix_recordings_review_created", "recordings")
    with op.batch_alter_table("recordings") as b:
        b.drop_column("review_updated_at")
        b.drop_column("review_verdicts")
        b.drop_column("reviewed_score")
        b.drop_column("review_state")
