"""The flows wired for the runtime, collected from the capability packages' declarations.

Each capability package declares, in its `__init__`, its outbox handlers by kind, its inbox handlers
by source, its jobs (each naming its `[schedule]` setting) and the actors that run its kinds; see
`app.core.declarations`. This module only collects them, applies the `[actors]` table and refuses a
kind, source, job or actor declared twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TypeVar

from backflow.app import monitors, notify, orders, refunds, restock, returns
from backflow.app.core.declarations import ActorSpec, Capability, FlowRegistry, JobDecl, JobSpec
from backflow.app.core.settings import ConfigError, Schedule, Settings

log = logging.getLogger(__name__)
MAX_ACTOR_CONCURRENCY = 64

CAPABILITIES: tuple[Capability, ...] = (orders, returns, refunds, restock, notify, monitors)
"""The capability packages that run something, in the order their actors and jobs are listed."""

V = TypeVar("V")


def _merged(what: str, declared: Iterable[Mapping[str, V]]) -> dict[str, V]:
    merged: dict[str, V] = {}
    for mapping in declared:
        for key, value in mapping.items():
            if key in merged:
                raise ConfigError(f"{what} {key!r} is declared by two capability packages")
            merged[key] = value
    return merged


def _unique_names(what: str, names: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"{what} {name!r} is declared by two capability packages")
        seen.add(name)


def declared_actors(capabilities: Iterable[Capability] = CAPABILITIES) -> tuple[ActorSpec, ...]:
    actors = tuple(spec for capability in capabilities for spec in capability.ACTORS)
    _unique_names("actor", (name for spec in actors for name in (spec.name, *spec.aliases)))
    return actors


def scheduled(decl: JobDecl, schedule: Schedule) -> JobSpec:
    """The job with the interval its `[schedule]` setting gives."""
    interval = getattr(schedule, decl.schedule_field, None)
    if isinstance(interval, bool) or not isinstance(interval, int | float):
        raise ConfigError(f"job {decl.name!r}: no [schedule] setting {decl.schedule_field!r}")
    return JobSpec(decl.name, interval, decl.job)


def configured_actors(defaults: tuple[ActorSpec, ...], overrides: dict[str, int]) -> tuple[ActorSpec, ...]:
    """The TOML `[actors]` table (name → concurrency) over the defaults; an unknown name is an error.

    An actor's former name (`ActorSpec.aliases`) still configures it, with a warning to rename it.
    """
    names = {spec.name for spec in defaults}
    renamed = {alias: spec.name for spec in defaults for alias in spec.aliases}
    unknown = sorted(set(overrides) - names - set(renamed))
    if unknown:
        raise ConfigError(f"[actors]: unknown actor {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    concurrency: dict[str, int] = {}
    given_as: dict[str, str] = {}
    for name, value in overrides.items():
        if isinstance(value, bool) or not 1 <= value <= MAX_ACTOR_CONCURRENCY:
            raise ConfigError(f"[actors]: {name} must be a whole number from 1 to {MAX_ACTOR_CONCURRENCY}")
        actor = renamed.get(name, name)
        if actor in given_as:
            raise ConfigError(f"[actors]: {given_as[actor]} and {name} both set actor {actor}")
        if actor != name:
            log.warning("[actors]: a former actor name; rename it", extra={"given": name, "actor": actor})
        concurrency[actor], given_as[actor] = value, name
    return tuple(
        replace(spec, concurrency=concurrency[spec.name]) if spec.name in concurrency else spec
        for spec in defaults
    )


def build_registry(settings: Settings, capabilities: Iterable[Capability] = CAPABILITIES) -> FlowRegistry:
    capabilities = tuple(capabilities)
    jobs = [decl for capability in capabilities for decl in capability.JOBS]
    _unique_names("job", (decl.name for decl in jobs))
    return FlowRegistry(
        outbox_handlers=_merged("outbox kind", (c.OUTBOX_HANDLERS for c in capabilities)),
        actors=configured_actors(declared_actors(capabilities), settings.file.actors),
        inbox_handlers=_merged("inbox source", (c.INBOX_HANDLERS for c in capabilities)),
        jobs=tuple(scheduled(decl, settings.file.schedule) for decl in jobs),
    )
