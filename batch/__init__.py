"""The nightly batch: ``huashu batch SRC --out DIR``.

A folder or manifest of recordings (:mod:`batch.inputs`) is analysed by a pool of worker
processes or Ray actors, each holding one model (:mod:`batch.engines`); every result is
appended to ``results.jsonl`` as it finishes and a re-run resumes where the last one stopped
(:mod:`batch.store`); ``summary.csv``, ``agents.csv`` and a self-contained ``report.html``
are written at the end (:mod:`batch.report`). :func:`batch.run.run_batch` ties them
together; :mod:`batch.cli` adds the command to ``huashu``.
"""

__all__: list[str] = []
