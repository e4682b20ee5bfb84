from pathlib import Path

import pytest

from linkwatch.config import ConfigError, load_settings, parse_duration


def test_duration_units():
    assert parse_duration("1d") == 86400
    assert parse_duration("20m") == 1200
    assert parse_duration("1.5s") == 1.5
    with pytest.raises(ConfigError):
        parse_duration("soon")


def test_precedence_flag_over_env_over_file(tmp_path: Path):
    (tmp_path / "linkwatch.toml").write_text('per_host = 3\ntimeout = "5s"\nexclude = ["a"]\n')
    s = load_settings(cwd=tmp_path, environ={})
    assert (s.per_host, s.timeout, s.exclude) == (3, 5.0, ["a"])
    s = load_settings(cwd=tmp_path, environ={"LINKWATCH_PER_HOST": "4"})
    assert s.per_host == 4
    s = load_settings(cwd=tmp_path, environ={"LINKWATCH_PER_HOST": "4"}, overrides={"per_host": 5})
    assert s.per_host == 5


def test_pyproject_table(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.linkwatch]\nfail-after = 3\n")
    assert load_settings(cwd=tmp_path, environ={}).fail_after == 3


def test_token_only_from_environment(tmp_path: Path):
    (tmp_path / "linkwatch.toml").write_text('github_token = "x"\n')
    with pytest.raises(ConfigError):
        load_settings(cwd=tmp_path, environ={})
    s = load_settings(cwd=tmp_path / "nowhere", environ={"GITHUB_TOKEN": "sekrit"})
    assert s.github_token == "sekrit"
    assert "sekrit" not in repr(s)


def test_bad_values_are_config_errors(tmp_path: Path):
    (tmp_path / "linkwatch.toml").write_text("per_host = 'many'\n")
    with pytest.raises(ConfigError):
        load_settings(cwd=tmp_path, environ={})
    (tmp_path / "linkwatch.toml").write_text("nonsense = 1\n")
    with pytest.raises(ConfigError):
        load_settings(cwd=tmp_path, environ={})


def test_a_bad_duration_names_its_setting(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"^timeout: not a duration"):
        load_settings(cwd=tmp_path, environ={}, overrides={"timeout": "-5m"})


def test_max_redirects_from_file_env_and_flag(tmp_path: Path):
    assert load_settings(cwd=tmp_path, environ={}).max_redirects == 20  # as browsers
    (tmp_path / "linkwatch.toml").write_text("max-redirects = 5\n")
    assert load_settings(cwd=tmp_path, environ={}).max_redirects == 5
    env = {"LINKWATCH_MAX_REDIRECTS": "30"}
    assert load_settings(cwd=tmp_path, environ=env).max_redirects == 30
    s = load_settings(cwd=tmp_path, environ=env, overrides={"max_redirects": 7})
    assert s.max_redirects == 7


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("timeout", "0"),
        ("connect_timeout", "0s"),
        ("concurrency", "0"),
        ("per_host", "-2"),
        ("max_redirects", "-1"),
        ("max_retries", "-1"),
        ("fail_after", "0"),
        ("title_search_budget", "-1"),
        ("max_duration", "0"),
        ("archive_style", "sideways"),
        ("include", "(unclosed"),
    ],
)
def test_values_out_of_range_are_config_errors_naming_the_setting(key: str, value: str):
    with pytest.raises(ConfigError) as caught:
        load_settings(cwd=Path("/nonexistent"), environ={f"LINKWATCH_{key.upper()}": value})
    assert key in str(caught.value) and caught.value.exit_code == 2
