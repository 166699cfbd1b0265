"""The environments file: the shipped one is valid; a bad one fails in one line naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.app import build_app
from infra.environments import (
    DEFAULT_ENVIRONMENTS_FILE,
    EnvironmentFileError,
    load_environments,
    select_environments,
)

GOOD = {
    "stack_name": "TapStack-prod",
    "account": "123456789012",
    "region": "eu-west-1",
    "availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    "allowed_regions": ["eu-west-1"],
    "suffix": "prod",
}


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "environments.yaml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def error_for(path: Path) -> str:
    with pytest.raises(EnvironmentFileError) as caught:
        load_environments(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:")
    return message.removeprefix(f"{path}").lstrip(":0123456789 ")


def test_shipped_file_declares_dev_staging_prod() -> None:
    environments = load_environments()
    assert list(environments) == ["dev", "staging", "prod"]
    for name, env in environments.items():
        assert env.name == name
        assert env.suffix == name
        assert env.stack_name == f"TapStack-{name}"
        assert len(env.account) == 12 and env.account.isdigit()
        assert env.region == "us-east-1"
        assert env.allowed_regions == ["us-east-1"]
        assert env.availability_zones == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_accounts_are_distinct() -> None:
    accounts = [env.account for env in load_environments().values()]
    assert len(set(accounts)) == len(accounts)


def test_a_valid_custom_file_loads(tmp_path: Path) -> None:
    env = load_environments(write(tmp_path, {"prod": GOOD}))["prod"]
    assert (env.account, env.region, env.stack_name) == (
        "123456789012",
        "eu-west-1",
        "TapStack-prod",
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"region": "Europe"}, "prod.region: 'Europe' does not match the pattern"),
        ({"account": "12345"}, "prod.account: '12345' does not match the pattern"),
        ({"account": 123456789012}, "prod.account: Input should be a valid string"),
        ({"suffix": "Prod"}, "prod.suffix: 'Prod' does not match the pattern"),
        ({"allowed_regions": []}, "prod.allowed_regions: expected at least 1 item, not 0"),
        (
            {"allowed_regions": ["us-east-1"]},
            "prod.allowed_regions: must include the stack's own region eu-west-1",
        ),
        (
            {"availability_zones": ["eu-west-1a", "eu-west-1b"]},
            "prod.availability_zones: expected at least 3 items, not 2",
        ),
        (
            {"availability_zones": ["eu-west-1a", "eu-west-1b", "us-east-1c"]},
            "prod.availability_zones: us-east-1c not in region eu-west-1",
        ),
        (
            {"availability_zones": ["eu-west-1a", "eu-west-1a", "eu-west-1b"]},
            "prod.availability_zones: zones must be distinct",
        ),
        (
            {"colour": "blue"},
            "prod: unknown key colour; known keys: stack_name, region, allowed_regions, "
            "customer_managed_keys, retain_data, account, availability_zones, suffix",
        ),
    ],
)
def test_a_bad_field_is_named(tmp_path: Path, change: dict[str, object], expected: str) -> None:
    assert error_for(write(tmp_path, {"prod": {**GOOD, **change}})).startswith(expected)


def test_a_missing_field_is_named(tmp_path: Path) -> None:
    settings = {key: value for key, value in GOOD.items() if key != "region"}
    assert error_for(write(tmp_path, {"prod": settings})) == "prod: missing key region"


def test_a_bad_environment_name_is_reported(tmp_path: Path) -> None:
    assert error_for(write(tmp_path, {"Prod!": GOOD})) == (
        "key Prod!: 'Prod!' does not match the pattern ^[a-z][a-z0-9-]{0,19}$"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("dev: [unclosed\n", "invalid YAML: did not find expected ',' or ']'"),
        ("", "expected a mapping, not an empty value"),
        ("- dev\n", "expected a mapping, not a list"),
        ("{}\n", "expected at least 1 entry, not 0"),
    ],
)
def test_a_malformed_file_is_reported(tmp_path: Path, content: str, expected: str) -> None:
    assert error_for(write(tmp_path, content)).startswith(expected)


def test_an_impossible_date_is_reported(tmp_path: Path) -> None:
    assert error_for(write(tmp_path, "dev: 2030-13-45\n")).startswith("invalid YAML")


def test_a_binary_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "environments.yaml"
    path.write_bytes(b"\xff\xfe\x00binary")
    assert error_for(path) == "not UTF-8 text"


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    assert error_for(tmp_path / "environments.yaml") == "no such file"


def test_unknown_environment_names_are_rejected_before_any_synthesis(tmp_path: Path) -> None:
    with pytest.raises(EnvironmentFileError, match=r"no environment named qa \(known: prod\)"):
        build_app(
            outdir=tmp_path, env_names=["qa"], environments_file=write(tmp_path, {"prod": GOOD})
        )


def test_selection_keeps_the_order_asked_and_drops_repeats() -> None:
    environments = load_environments()
    chosen = select_environments(
        environments, ["prod", "dev", "prod"], source=DEFAULT_ENVIRONMENTS_FILE
    )
    assert [env.name for env in chosen] == ["prod", "dev"]
    all_of_them = select_environments(environments, None, source=DEFAULT_ENVIRONMENTS_FILE)
    assert [env.name for env in all_of_them] == ["dev", "staging", "prod"]


def test_the_engine_finds_the_apps_environments_file_through_cdk_json() -> None:
    from compliance.environments import environments_file
    from compliance.environments import load_environments as engine_environments

    root = DEFAULT_ENVIRONMENTS_FILE.parents[1]
    assert environments_file(root / "cdk.json") == root / "infra" / "environments.yaml"
    assert (root / "infra" / "environments.yaml").samefile(DEFAULT_ENVIRONMENTS_FILE)
    engine = engine_environments(DEFAULT_ENVIRONMENTS_FILE)
    app = load_environments()
    # one definition of the shared fields: both read the same values
    for name, env in app.items():
        assert engine[name].stack_name == env.stack_name
        assert engine[name].allowed_regions == env.allowed_regions
        assert engine[name].customer_managed_keys == env.customer_managed_keys


def test_two_environments_cannot_deploy_one_stack(tmp_path: Path) -> None:
    twice = write(tmp_path, {"prod": GOOD, "dr": GOOD})
    assert error_for(twice) == "prod.stack_name: TapStack-prod is also dr's"  # dumped sorted
