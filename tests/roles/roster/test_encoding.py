"""Telling a CSV's encoding: UTF-8 with or without BOM, UTF-16, Windows-1251 and KOI8-R read
right; anything else refused clearly, never read as garbage."""

import codecs

import pytest

from roles.roster import EncodingError, RosterFileError, decode, read_roster

from ..roster_helpers import BASE_ROWS, RU_HEADER, csv_bytes, russian

# KOI8-R has no «», «№» or «ё» in capitals only; a roster as such a system writes it.
TEXT = (
    "Список обучающихся на 01.12.2026;;\r\n"
    "ФИО;Класс;Дата рождения\r\n"
    "Иванов Пётр Сергеевич;3А;01.02.2016\r\n"
    "Петрова Анна Михайловна;3Б;12.11.2015\r\n"
    "Сидоров Максим;3А;\r\n"
    "Щукина-Орлова Юлия Эдуардовна;3Б;05.05.2016\r\n"
)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (TEXT.encode("utf-8"), "UTF-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "UTF-8"),
        (TEXT.encode("utf-16"), "UTF-16"),  # with its BOM
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "UTF-16"),
        (TEXT.encode("utf-16-le"), "UTF-16"),  # without a BOM
        (TEXT.encode("cp1251"), "Windows-1251"),
        (TEXT.encode("koi8_r"), "KOI8-R"),
        (TEXT.upper().encode("koi8_r"), "KOI8-R"),  # capitals only: told by letter frequency
        (TEXT.upper().encode("cp1251"), "Windows-1251"),
        (TEXT.lower().encode("koi8_r"), "KOI8-R"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-bom",
        "utf16-be-bom",
        "utf16-le",
        "cp1251",
        "koi8r",
        "koi8r-capitals",
        "cp1251-capitals",
        "koi8r-small",
    ],
)
def test_each_encoding_is_read_as_written(data, name):
    text, encoding = decode(data)

    assert encoding == name
    assert text.replace("\ufeff", "").casefold() == TEXT.casefold()


def test_a_short_koi8_file_is_told_from_windows_1251():
    short = "Фамилия;Имя\nИванов;Пётр\nПетрова;Анна\n"

    assert decode(short.encode("koi8_r")) == (short, "KOI8-R")
    assert decode(short.encode("cp1251")) == (short, "Windows-1251")


@pytest.mark.parametrize("codec", ["cp866", "mac_cyrillic", "iso8859_5"])
def test_other_cyrillic_encodings_are_refused_not_garbled(codec):
    with pytest.raises(EncodingError) as exc:
        decode(TEXT.encode(codec))

    assert "UTF-8" in str(exc.value)  # it says how to save the file instead


@pytest.mark.parametrize(
    "data",
    [b"\x00\x01\x02\x03binary" * 50, codecs.BOM_UTF8 + b"\xff\xfe not utf-8", b"\x98\x98\x98"],
    ids=["binary", "bad-utf8-after-bom", "undecidable"],
)
def test_bytes_that_are_no_text_are_refused(data):
    with pytest.raises(EncodingError):
        decode(data)


def test_a_koi8_roster_is_read_with_the_right_names():
    data = csv_bytes(russian(BASE_ROWS), RU_HEADER, delimiter=";", encoding="koi8_r")

    rows = read_roster(data, "roster.csv")

    assert [(r.last_name, r.first_name) for r in rows] == [(r[1], r[2]) for r in BASE_ROWS]
    assert rows[2].first_name == "Пётр"


def test_a_utf16_roster_is_read():
    data = csv_bytes(BASE_ROWS, encoding="utf-16")

    rows = read_roster(data, "roster.csv")

    assert [r.external_id for r in rows] == [r[0] for r in BASE_ROWS]
    assert rows[2].last_name == "Иванов"


def test_an_unreadable_roster_is_a_file_error_in_words():
    data = csv_bytes(russian(BASE_ROWS), RU_HEADER, delimiter=";", encoding="cp866")

    with pytest.raises(RosterFileError) as exc:
        read_roster(data, "roster.csv")

    assert str(exc.value)
