"""Items and origins of the duty schedule (``tariff_items.toml``): names, aliases, groups."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from bessfin.supply.tariffs.common import _load_toml


@dataclass(frozen=True)
class _Catalog:
    items: dict[str, dict[str, Any]]
    item_alias: dict[str, str]
    origins: tuple[str, ...]
    origin_alias: dict[str, str]
    groups: dict[str, tuple[str, ...]]


def _key(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


@cache
def _catalog() -> _Catalog:
    raw = _load_toml("tariff_items.toml")
    items = raw["items"]
    item_alias: dict[str, str] = {}
    for name, spec in items.items():
        item_alias[_key(name)] = name
        for alias in spec.get("aliases", []):
            item_alias[_key(alias)] = name
    origin_alias: dict[str, str] = {}
    for name, aliases in raw["origins"].items():
        origin_alias[_key(name)] = name
        for alias in aliases:
            origin_alias[_key(alias)] = name
    groups = {g: tuple(members) for g, members in raw["origin_groups"].items()}
    for g, members in groups.items():
        unknown = set(members) - set(raw["origins"])
        if unknown:
            raise ValueError(f"origin group {g!r} lists unknown origins {sorted(unknown)}")
    return _Catalog(items, item_alias, tuple(raw["origins"]), origin_alias, groups)


def valid_items() -> tuple[str, ...]:
    """Canonical item names accepted by :func:`duty` (aliases such as HTS codes also work)."""
    return tuple(_catalog().items)


def valid_origins() -> tuple[str, ...]:
    """Canonical origin names accepted by :func:`duty` (``"us"`` = domestic, no duty)."""
    return _catalog().origins


def normalize_item(item: str) -> str:
    """Map an item name or alias (e.g. ``"8507.60.0020"``) to its canonical name.

    Raises
    ------
    ValueError
        If the item is unknown; the message lists the valid items.
    """
    cat = _catalog()
    try:
        return cat.item_alias[_key(item)]
    except KeyError:
        raise ValueError(
            f"unknown item {item!r}; valid items: {', '.join(cat.items)} "
            f"(aliases: {', '.join(sorted(a for a in cat.item_alias if a not in cat.items))})"
        ) from None


def normalize_origin(origin: str) -> str:
    """Map an origin name or alias (e.g. ``"korea"``) to its canonical name.

    Raises
    ------
    ValueError
        If the origin is unknown; the message lists the valid origins.
    """
    cat = _catalog()
    try:
        return cat.origin_alias[_key(origin)]
    except KeyError:
        raise ValueError(
            f"unknown origin {origin!r}; valid origins: {', '.join(cat.origins)}"
        ) from None


def _expand_origin(cell: str) -> tuple[str, ...]:
    cat = _catalog()
    if cell.startswith("@"):
        try:
            return cat.groups[cell[1:]]
        except KeyError:
            raise ValueError(f"unknown origin group {cell!r} in tariff_layers.csv") from None
    if cell not in cat.origins:
        raise ValueError(f"unknown origin {cell!r} in tariff_layers.csv")
    return (cell,)
