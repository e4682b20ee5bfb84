import re
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
def test_accept_and_a_hosts_table_from_the_config_file(tmp_path: Path):
    (tmp_path / "linkwatch.toml").write_text(
        'accept = ["200..=299", 429]\n'
        '[hosts."example.org"]\n'
        'per_host = 1\nspacing = "2s"\ntimeout = "30s"\nmax_redirects = 3\n'
        'user_agent = "me/1"\naccept = ["403"]\nheaders = { Authorization = "Bearer x" }\n'
    )
    s = load_settings(cwd=tmp_path, environ={})
    assert 429 in s.accept and 250 in s.accept and 300 not in s.accept
    host = s.hosts["example.org"]
    assert (host.per_host, host.spacing, host.timeout, host.max_redirects) == (1, 2.0, 30.0, 3)
    assert host.user_agent == "me/1" and host.accept == {403}
    assert host.headers == {"Authorization": "Bearer x"}
    s = load_settings(cwd=tmp_path, environ={"LINKWATCH_ACCEPT": "404,410"})
    assert s.accept == {404, 410}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('accept = ["2xx"]', "accept: not a status code or range: '2xx'"),
        ('[hosts."a.example"]\nper_hots = 2', 'hosts."a.example".per_hots: unknown key'),
    ],
)
def test_bad_accept_and_hosts_name_the_setting(tmp_path: Path, config: str, message: str):
    (tmp_path / "linkwatch.toml").write_text(config + "\n")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(cwd=tmp_path, environ={})


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("accpet", "unknown setting 'accpet' (did you mean 'accept'?)"),
        ("per_hots", "did you mean 'per_host'?"),
        ("max_concurrency", "lychee's max_concurrency is concurrency in linkwatch"),
        ("retry_wait_time", "lychee's retry_wait_time is retry_backoff in linkwatch"),
        ("exclude_all_private", "is allow_private"),
        ("colour", "unknown setting 'colour'"),
    ],
)
def test_unknown_keys_name_the_closest_or_linkwatchs_spelling(
    tmp_path: Path, key: str, hint: str
):
    (tmp_path / "linkwatch.toml").write_text(f"{key} = 1\n")
    with pytest.raises(ConfigError, match=re.escape(hint)):
        load_settings(cwd=tmp_path, environ={})


def test_lychee_keys_linkwatch_spells_alike_are_accepted(tmp_path: Path):
    (tmp_path / "linkwatch.toml").write_text(
        'user_agent = "x/1"\ntimeout = 5\nmax_retries = 1\nmax_redirects = 4\n'
        'include = ["a"]\nexclude = ["b"]\nexclude_path = ["vendor/**"]\naccept = [200]\n'
    )
    s = load_settings(cwd=tmp_path, environ={})
    assert (s.user_agent, s.max_redirects, s.exclude_path) == ("x/1", 4, ["vendor/**"])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("^https://a\\.example/x{1,3}$", ["^https://a\\.example/x{1,3}$"]),  # one regex, comma kept
        ("first,one\nsecond", ["first,one", "second"]),  # newline-separated
        ('["a{2,}", "b,c"]', ["a{2,}", "b,c"]),  # a JSON list
    ],
)
def test_list_environment_variables_do_not_break_regexes(value: str, expected: list[str]):
    s = load_settings(cwd=Path("/nonexistent"), environ={"LINKWATCH_EXCLUDE": value})
    assert s.exclude == expected


def test_non_regex_lists_still_split_on_commas():
    env = {"LINKWATCH_REFERENCE_HOSTS": "https://a.example/,https://b.example/"}
    s = load_settings(cwd=Path("/nonexistent"), environ=env)
    assert s.reference_hosts == ["https://a.example/", "https://b.example/"]
