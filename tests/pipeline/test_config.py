import pytest

from admissions.config import RoundConfig, load_config
from admissions.errors import ConfigError


def test_defaults_without_a_file(tmp_path):
    assert load_config(tmp_path) == RoundConfig(tie_break=("lottery",), max_choices=None, seed=0)


def test_file_settings_and_overrides(tmp_path):
    (tmp_path / "admissions.toml").write_text('tie_break = ["choice_rank", "lottery"]\nseed = 7\nmax_choices = 6\n')
    assert load_config(tmp_path) == RoundConfig(tie_break=("choice_rank", "lottery"), max_choices=6, seed=7)
    assert load_config(tmp_path, seed=3, tie_break=None).seed == 3
    assert load_config(tmp_path, seed=3, tie_break=None).tie_break == ("choice_rank", "lottery")


def test_unknown_tie_break_key_is_refused_with_its_value(tmp_path):
    (tmp_path / "admissions.toml").write_text('tie_break = ["birthday"]\n')
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = str(info.value)
    assert message.startswith("admissions.toml: tie_break.0 == 'birthday', input should be ")
    assert "'choice_rank'" in message


def test_unknown_setting_is_refused(tmp_path):
    (tmp_path / "admissions.toml").write_text("sead = 1\n")
    with pytest.raises(ConfigError, match=r"admissions.toml: sead == 1, extra inputs are not permitted"):
        load_config(tmp_path)


def test_broken_toml_is_refused(tmp_path):
    (tmp_path / "admissions.toml").write_text("seed = = 1\n")
    with pytest.raises(ConfigError, match="not a valid TOML file"):
        load_config(tmp_path)
