"""Where the shared corpus of real-world inputs is (`../shared/corpus` beside the repository, see its PROVENANCE.md).

`CORPUS_DIR` names it explicitly; otherwise the folder beside this checkout, then the workplace's copy. Without any of
them the tests that read it fail, naming the folder they looked for: every parser must run over the corpus."""

from __future__ import annotations

import os
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
_CANDIDATES = (
    *((Path(os.environ["CORPUS_DIR"]),) if os.environ.get("CORPUS_DIR") else ()),
    REPOSITORY.parent / "shared" / "corpus",
    Path("/work/shared/corpus"),
)


def corpus_dir() -> Path:
    """The first candidate that exists (the last one when none does, so paths built from it name what is missing)."""
    for candidate in _CANDIDATES:
        if (candidate / "PROVENANCE.md").exists():
            return candidate
    return _CANDIDATES[-1]


CORPUS = corpus_dir()
