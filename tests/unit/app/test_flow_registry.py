"""The registry the runtime runs: every staged kind has a handler and an actor; jobs follow settings."""

from __future__ import annotations

from app.flows import payloads
from app.flows.registry import build_registry
from app.settings import FileConfig, Schedule, Settings


def test_every_kind_has_one_handler_and_one_actor() -> None:
    registry = build_registry(Settings())
    kinds = {
        payloads.SYNC_ORDER,
        payloads.ANCHOR_RETURN,
        payloads.MARK_ITEMS_RETURNED,
        payloads.ISSUE_REFUND,
        payloads.RESTOCK_ITEMS,
        payloads.ACKNOWLEDGE_RETURN,
    }
    assert set(registry.outbox_handlers) == kinds
    by_actor = [kind for actor in registry.actors for kind in actor.kinds]
    assert sorted(by_actor) == sorted(kinds)
    assert [a.name for a in registry.actors] == ["order_sync", "return_intake", "refund", "restock", "notify"]
    assert set(registry.inbox_handlers) == {"rebound", "rebound-catchup", "commercetools"}


def test_job_intervals_come_from_the_schedule_settings() -> None:
    settings = Settings(file=FileConfig(schedule=Schedule(message_poll_seconds=2, held_returns_seconds=9)))
    jobs = {job.name: job.interval_seconds for job in build_registry(settings).jobs}
    assert jobs["commerce_message_poll"] == 2 and jobs["held_returns"] == 9
    assert set(jobs) == {
        "commerce_message_poll",
        "order_sweep",
        "rebound_catchup",
        "held_returns",
        "sync_lag_check",
    }


def test_new_settings_read_from_toml_with_kebab_names() -> None:
    import msgspec

    data = {"policies": {"refund-rounding-tolerance-minor": 2}, "schedule": {"held-returns-seconds": 5}}
    config = msgspec.convert(data, FileConfig)
    assert config.policies.refund_rounding_tolerance_minor == 2 and config.schedule.held_returns_seconds == 5
