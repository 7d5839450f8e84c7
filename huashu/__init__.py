"""huashu's composition root: the settings (:mod:`huashu.config`), how the pipelines are
built from them (:mod:`huashu.compose`) and the ``huashu`` command (:mod:`huashu.cli`).

Layers, bottom to top: ``phrasebank`` and ``models`` → ``analyzer`` → ``huashu.config`` and
``huashu.compose`` → ``api`` and ``batch`` → ``huashu.cli``. No module imports from a layer
above its own.
"""
