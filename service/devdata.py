"""Where the development corpora are: ``NEWSDESK_DEV_DATA``, else ``../shared/data`` beside the repository."""
from __future__ import annotations

import os
from pathlib import Path

ENV = "NEWSDESK_DEV_DATA"


def dev_data(*parts: str) -> Path:
    """The path of ``parts`` under the development data folder (which may not exist here).

    The corpora are for development only: they stay out of the repository, the package and the
    image; evaluation, training and the tests that need them read them from here.
    """
    if os.environ.get(ENV):
        base = Path(os.environ[ENV])
    else:
        candidates = [Path(__file__).resolve().parents[1].parent / "shared" / "data",  # editable install
                      Path.cwd().parent / "shared" / "data"]
        base = next((c for c in candidates if c.is_dir()), candidates[0])
    return base.joinpath(*parts)
