"""The embedded model briefs the sample article exactly as recorded, in every mode
(``tests/briefing_snapshot.py``): memory and speed work must not change a single briefing."""

from __future__ import annotations

import pytest

from tests import briefing_snapshot as snapshot


@pytest.mark.slow
def test_the_sample_articles_briefings_are_unchanged(seed_article: str) -> None:
    recorded = snapshot.recorded().get(snapshot.machine_key(), {}).get(snapshot.article_key(seed_article))
    if recorded is None:
        pytest.skip(
            f"no briefings recorded for this machine class ({snapshot.machine_key()}) and article: "
            "record them on the commit before a change with `python -m tests.briefing_snapshot --write`"
        )
    got = snapshot.brief_all(seed_article)
    changed = {
        f"{variant}/{part}"
        for variant, digests in recorded.items()
        for part, digest in digests.items()
        if got[variant][part] != digest
    }
    assert not changed, f"briefings changed: {sorted(changed)}"
