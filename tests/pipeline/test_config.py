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


@pytest.mark.parametrize("line, message", [
    # Each of these was read as another value (pydantic's lax mode): seed 1, seed 7, 1 choice, a date.
    ("seed = true", "seed == true, input should be a whole number, written without quotes (seed = 7)"),
    ('seed = "7"', "seed == '7', input should be a whole number, written without quotes (seed = 7)"),
    ("seed = 7.0", "seed == 7.0, input should be a whole number, written without quotes (seed = 7)"),
    ("max_choices = true",
     "max_choices == true, input should be a whole number, written without quotes (max_choices = 7)"),
    ('answer_by = "2027-07-01"',
     "answer_by == '2027-07-01', input should be a date, without quotes or a time (answer_by = 2027-07-01)"),
    ("answer_by = 1800000000",
     "answer_by == 1800000000, input should be a date, without quotes or a time (answer_by = 2027-07-01)"),
    ("answer_by = 2027-07-01T10:00:00",
     "answer_by == 2027-07-01T10:00:00, input should be a date, without quotes or a time (answer_by = 2027-07-01)"),
    ('tie_break = "lottery"',
     "tie_break == 'lottery', input should be a list (tie_break = [\"choice_rank\", \"lottery\"])"),
])
def test_a_setting_of_another_type_is_refused_never_converted(tmp_path, line, message):
    (tmp_path / "admissions.toml").write_text(line + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    assert str(info.value) == "admissions.toml: " + message


def test_settings_of_their_own_type_are_read(tmp_path):
    import datetime as dt

    (tmp_path / "admissions.toml").write_text("seed = 7\nmax_choices = 3\nanswer_by = 2027-07-01\n")
    config = load_config(tmp_path)
    assert (config.seed, config.max_choices, config.answer_by) == (7, 3, dt.date(2027, 7, 1))


def test_programme_type_table_problems_are_one_line_each_in_toml_words(tmp_path):
    from admissions.io.programme_types import read_programme_types

    (tmp_path / "programme_types.toml").write_text(
        'version = "x"\n[types.BA]\nname = "Bygg"\nkind = "vocational"\nothers = true\n'
        '[types.XX]\nkind = "nonsense"\nvalid_from = "2020"\n')
    table, problems = read_programme_types(tmp_path)
    assert table is None
    prefix = "programme_types.toml: not a valid programme-type table: "
    assert [p.describe() for p in problems] == [
        prefix + "types.BA.others == true, input should be a whole number, written without quotes (others = 7)",
        prefix + "types.XX.name is missing, must be given",
        prefix + "types.XX.kind == 'nonsense', input should be 'vocational', 'preparatory', 'imv', "
                 "'not_vocational' or 'open'",
        prefix + "types.XX.valid_from == '2020', input should be a whole number, written without quotes "
                 "(valid_from = 7)",
    ]


def test_a_settings_file_saved_as_utf16_is_told_to_be_saved_as_utf8_not_as_csv(tmp_path):
    # Notepad's 'Unicode': the advice was Excel's ('save it as CSV UTF-8').
    (tmp_path / "admissions.toml").write_bytes("seed = 7\r\n".encode("utf-16"))
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert str(raised.value) == ("admissions.toml: file is not UTF-8 or Windows-1252 text: it is UTF-16 "
                                 "(a text editor's 'Unicode'); save it as UTF-8")
