"""One listed entity, several lists: hits that are the same entity are grouped, so that an
officer sees it once and one decision covers the group.

Hits are the same entity when they carry the same entity id (a followthemoney id shared across
sources), share an identifier (registration, IMO, passport, tax number, ...), or are strongly
corroborated: the same schema, a name in common and the same birth date (people) or, for
organisations and the rest, the same name and a country in common. Weaker likeness never groups:
a wrong group could carry a clearance to an entity nobody looked at.
"""

from __future__ import annotations

from typing import Any

from dualcheck.screening.index import ScreeningIndex
from dualcheck.screening.subjects import ListedSubject


def _keys(entity: ListedSubject) -> set[tuple[str, ...]]:
    keys: set[tuple[str, ...]] = {("id", entity.entity_id)}
    keys.update(("identifier", value) for value in entity.identifiers if len(value) >= 5)
    names = {" ".join(n.tokens) for n in entity.names if n.tokens}
    if entity.schema == "Person":
        keys.update(("person", name, born) for name in names for born in entity.birth_dates if len(born) == 10)
    else:
        keys.update(("named", entity.schema, name, country) for name in names for country in entity.countries)
    return keys


def group_hits(index: ScreeningIndex, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give every hit document its ``group`` (the first member's ``list:entity_id``) and return the
    groups of more than one hit: ``[{"group", "name", "members": [{"list", "entity_id"}], "lists"}]``."""
    parent = list(range(len(hits)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[tuple[str, ...], int] = {}
    for i, hit in enumerate(hits):
        entity = index.get(hit["list"], hit["entity_id"])
        for key in _keys(entity) if entity is not None else ():
            if key in seen:
                parent[root(i)] = root(seen[key])
            else:
                seen[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(hits)):
        members.setdefault(root(i), []).append(i)
    groups = []
    for positions in sorted(members.values(), key=min):
        label = f"{hits[positions[0]]['list']}:{hits[positions[0]]['entity_id']}"
        for i in positions:
            hits[i]["group"] = label
        if len(positions) > 1:
            groups.append({"group": label, "name": hits[positions[0]]["name"],
                           "members": [{"list": hits[i]["list"], "entity_id": hits[i]["entity_id"]} for i in positions],
                           "lists": sorted({hits[i].get("list_title", hits[i]["list"]) for i in positions})})
    return groups


def share_group_decisions(hits: list[dict[str, Any]]) -> None:
    """A hit without a decision of its own shows the decision on another hit of its group (``via``);
    a confirmed hit in the group wins over a clearance, and a decision no longer in force is not shared."""
    by_group: dict[str, dict[str, Any]] = {}
    for hit in hits:
        decision = hit.get("decision")
        if not decision or not decision.get("in_force", True):
            continue
        held = by_group.get(hit["group"])
        if held is None or (decision.get("status") == "confirmed" and held.get("status") != "confirmed"):
            by_group[hit["group"]] = {**decision, "via": f"{hit['list']}:{hit['entity_id']}"}
    for hit in hits:
        if hit.get("decision") is None and hit.get("group") in by_group:
            hit["decision"] = by_group[hit["group"]]
