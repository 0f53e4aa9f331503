"""`[rebound.statuses]` in the TOML file: a typed table over the defaults, refused with the key when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from backflow.app.core.settings import ConfigError, FileConfig, load_file_config


def _load(tmp_path: Path, text: str) -> FileConfig:
    path = tmp_path / "backflow.toml"
    path.write_text(text, encoding="utf-8")
    return load_file_config(path)


def test_without_the_table_the_defaults_apply(tmp_path: Path) -> None:
    table = _load(tmp_path, "[reasons]\n").rebound.status_table()
    assert table.status_of("postalIncoming") == "IN_TRANSIT"
    assert table.status_of("Delivered") == "DELIVERED"


def test_configured_entries_add_to_the_defaults(tmp_path: Path) -> None:
    config = _load(
        tmp_path, '[rebound.statuses]\n"Parcel scanned at depot" = "IN_TRANSIT"\nhubIn = "AT_HUB"\n'
    )
    table = config.rebound.status_table()
    assert table.status_of("parcelScannedAtDepot") == "IN_TRANSIT"
    assert table.status_of("HUB_IN") == "AT_HUB"
    assert table.status_of("Arrived at Our Hub") == "AT_HUB"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[rebound.statuses]\nhubProcessed = "GRADED"\n', "'hubProcessed' maps to 'GRADED'"),
        ('[rebound.statuses]\n"a b" = "CREATED"\na_b = "DELIVERED"\n', "are the same description"),
        ("[rebound]\nstatus = {}\n", "unknown field `status`"),
    ],
)
def test_a_wrong_table_stops_start_up_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, text)
