"""Party screening: normalise -> candidates (index) -> features -> score -> explanation.

For other domains (the transaction check), the entry points are::

    from dualcheck.screening import get_index, screen_parties

    index = get_index(db)                  # process-wide, rebuilt when list versions change
    with db.session() as session:          # the session lets officers' decisions apply
        results = screen_parties(index, [{"name": "...", "country": "CN", "schema": "Organization"}],
                                 threshold=None, session=session)

``screen_parties(index, parties, threshold=None, *, session=None) -> list[PartyResult]``: each
party is a dict with ``name`` (required), ``country``, ``schema`` and ``birth_date`` (optional);
an unusable party raises ``BadInput`` naming ``parties[i]``. ``threshold=None`` uses the
configured default. Each ``PartyResult`` has ``party``, ``party_key``, ``hits`` (dicts with
``entity_id``, ``list``, ``list_version``, ``name``, ``matched_name``, ``programmes``, ``score``,
``explanation`` [per-feature contributions], ``decision`` [None or the officer's decision,
with ``in_force`` and, for a cleared hit whose entry changed, ``changes``] and ``open``),
``blocked`` (a confirmed hit), ``status`` ("blocked" | "review" | "clear") and ``as_dict()``.
``index.list_versions`` and ``index.scorer.config.summary()`` name the data and configuration
used; ``screen_parties`` writes nothing, so record them with your own ledger entry.
"""

from dualcheck.screening.index import Hit, ScreeningIndex
from dualcheck.screening.parties import PartyResult, screen_parties
from dualcheck.screening.service import build_index, get_index

__all__ = ["Hit", "PartyResult", "ScreeningIndex", "build_index", "get_index", "screen_parties"]
