"""The registry the runtime runs: every staged kind has a handler and an actor; jobs follow settings."""

from __future__ import annotations

from backflow.app.core import messages as payloads
from backflow.app.core.settings import FileConfig, Schedule, Settings
from backflow.app.runtime.registry import build_registry


def test_every_kind_has_one_handler_and_one_actor() -> None:
    registry = build_registry(Settings())
    kinds = {
        payloads.SYNC_ORDER,
        payloads.ANCHOR_RETURN,
        payloads.MARK_ITEMS_RETURNED,
        payloads.ISSUE_REFUND,
        payloads.RESTOCK_ITEMS,
        payloads.ACKNOWLEDGE_RETURN,
        payloads.REJECT_REFUND,
        payloads.SEND_ALERT,
    }
    assert set(registry.outbox_handlers) == kinds
    by_actor = [kind for actor in registry.actors for kind in actor.kinds]
    assert sorted(by_actor) == sorted(kinds)
    assert [a.name for a in registry.actors] == [
        "order_sync",
        "return_anchoring",
        "refund",
        "restock",
        "rebound_acknowledgements",
        "alerts",
    ]
    assert set(registry.inbox_handlers) == {
        "rebound",
        "rebound-catchup",
        "rebound-tracking",
        "rebound-sftp",
        "commercetools",
    }


def test_job_intervals_come_from_the_schedule_settings() -> None:
    schedule = Schedule(
        message_poll_seconds=2,
        held_returns_seconds=9,
        stock_drift_seconds=77,
        alerts_seconds=3,
        order_snapshot_prune_seconds=600,
    )
    settings = Settings(file=FileConfig(schedule=schedule))
    jobs = {job.name: job.interval_seconds for job in build_registry(settings).jobs}
    assert jobs["commerce_message_poll"] == 2 and jobs["held_returns"] == 9
    assert jobs["stock_drift"] == 77 and jobs["alerts"] == 3
    assert jobs["order_snapshot_prune"] == 600
    assert set(jobs) == {
        "commerce_message_poll",
        "order_sweep",
        "rebound_catchup",
        "held_returns",
        "sync_lag_check",
        "order_snapshot_prune",
        "alerts",
        "received_not_refunded",
        "refund_drift",
        "stock_drift",
        "order_drift",
        "stuck_returns",
        "return_info_drift",
    }


def test_new_settings_read_from_toml_with_kebab_names() -> None:
    import msgspec

    data = {"policies": {"refund-rounding-tolerance-minor": 2}, "schedule": {"held-returns-seconds": 5}}
    config = msgspec.convert(data, FileConfig)
    assert config.policies.refund_rounding_tolerance_minor == 2 and config.schedule.held_returns_seconds == 5


def test_exception_alert_and_monitor_settings_read_from_toml() -> None:
    import tomllib

    import msgspec

    text = """
    [policies]
    stuck-status-limits = { IN_TRANSIT = 100, DELIVERED = 50 }
    return-info-limit-seconds = 60
    approve-rebound-amount-limit = "2.50"
    [alerts]
    webhook-url = "http://127.0.0.1:9/hook"
    age-limit-seconds = 600
    age-limit-by-type = { refund_mismatch = 60 }
    [schedule]
    refund-drift-seconds = 30
    drift-lookback-seconds = 90
    """
    config = msgspec.convert(tomllib.loads(text), FileConfig)
    assert config.policies.stuck_status_limits == {"IN_TRANSIT": 100, "DELIVERED": 50}
    assert (
        config.alerts.age_limit("refund_mismatch") == 60 and config.alerts.age_limit("orphan_return") == 600
    )
    assert config.schedule.refund_drift_seconds == 30 and config.schedule.drift_lookback_seconds == 90
    assert FileConfig().policies.stuck_status_limits == {"IN_TRANSIT": 14 * 86400, "AT_HUB": 3 * 86400}


def test_actor_concurrency_comes_from_the_actors_table() -> None:
    import tomllib

    import msgspec
    import pytest

    from backflow.app.core.settings import ConfigError

    defaults = {a.name: a.concurrency for a in build_registry(Settings()).actors}
    assert defaults == {
        "order_sync": 32,  # the critical path: 50 orders a second must not queue behind it
        "return_anchoring": 4,
        "refund": 4,  # serialised per order in the store, so as wide as the others
        "restock": 4,
        "rebound_acknowledgements": 4,
        "alerts": 2,
    }
    config = msgspec.convert(tomllib.loads("[actors]\nrefund = 3\norder_sync = 12\n"), FileConfig)
    actors = {a.name: a.concurrency for a in build_registry(Settings(file=config)).actors}
    assert actors == defaults | {"refund": 3, "order_sync": 12}
    with pytest.raises(ConfigError, match="refunds"):
        build_registry(Settings(file=FileConfig(actors={"refunds": 3})))
    for bad in (0, -1, 65):
        with pytest.raises(ConfigError, match="order_sync"):
            build_registry(Settings(file=FileConfig(actors={"order_sync": bad})))
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(tomllib.loads('[actors]\nrefund = "4"\n'), FileConfig)


def test_each_capability_package_declares_its_handlers_and_the_actors_of_its_kinds() -> None:
    from backflow.app.runtime.registry import CAPABILITIES

    for capability in CAPABILITIES:
        actor_kinds = sorted(kind for spec in capability.ACTORS for kind in spec.kinds)
        assert actor_kinds == sorted(capability.OUTBOX_HANDLERS), capability
        for decl in capability.JOBS:
            assert isinstance(getattr(Schedule(), decl.schedule_field), float), decl


def test_a_declaration_made_twice_or_a_missing_schedule_setting_is_refused() -> None:
    from types import SimpleNamespace

    import pytest

    from backflow.app.core.declarations import ActorSpec, Capability, JobDecl
    from backflow.app.core.settings import ConfigError

    async def job() -> None:
        pass

    def capability(**declared: object) -> Capability:
        empty: dict[str, object] = {"OUTBOX_HANDLERS": {}, "INBOX_HANDLERS": {}, "JOBS": (), "ACTORS": ()}
        return SimpleNamespace(**(empty | declared))  # type: ignore[return-value]

    one = capability(OUTBOX_HANDLERS={"k": job}, ACTORS=(ActorSpec("a", ("k",)),))
    assert [a.name for a in build_registry(Settings(), [one]).actors] == ["a"]
    with pytest.raises(ConfigError, match="outbox kind 'k'"):
        build_registry(Settings(), [one, capability(OUTBOX_HANDLERS={"k": job})])
    with pytest.raises(ConfigError, match="actor 'a'"):
        build_registry(Settings(), [one, capability(ACTORS=(ActorSpec("a", ("x",)),))])
    with pytest.raises(ConfigError, match="inbox source 's'"):
        build_registry(Settings(), [capability(INBOX_HANDLERS={"s": job})] * 2)
    with pytest.raises(ConfigError, match="job 'j'"):
        build_registry(Settings(), [capability(JOBS=(JobDecl("j", "alerts_seconds", job),))] * 2)
    with pytest.raises(ConfigError, match="no \\[schedule\\] setting 'nope_seconds'"):
        build_registry(Settings(), [capability(JOBS=(JobDecl("j", "nope_seconds", job),))])


def test_an_actor_s_former_name_still_configures_it_and_an_unknown_name_is_refused() -> None:
    import tomllib

    import msgspec
    import pytest

    from backflow.app.core.settings import ConfigError

    defaults = {a.name: a.concurrency for a in build_registry(Settings()).actors}
    config = msgspec.convert(tomllib.loads("[actors]\nreturn_intake = 6\nnotify = 1\n"), FileConfig)
    actors = {a.name: a.concurrency for a in build_registry(Settings(file=config)).actors}
    assert actors == defaults | {"return_anchoring": 6, "rebound_acknowledgements": 1}
    with pytest.raises(ConfigError, match="return_intake and return_anchoring both set"):
        build_registry(Settings(file=FileConfig(actors={"return_intake": 2, "return_anchoring": 3})))
    with pytest.raises(ConfigError, match="notify must be a whole number"):
        build_registry(Settings(file=FileConfig(actors={"notify": 0})))
    with pytest.raises(ConfigError, match="unknown actor return_intak "):
        build_registry(Settings(file=FileConfig(actors={"return_intak": 2})))
