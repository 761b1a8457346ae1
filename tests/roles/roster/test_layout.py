"""Finding the header row of an export below its title rows, the first values of each column,
the layout's key, and the mapping proposed for the headers Russian systems write."""

import pytest

from roles.roster import find_layout, layout_key, propose_mapping, read_records

from ..roster_helpers import export_csv, export_xlsx

EXPORT_HEADER = [
    "№ п/п",
    "ФИО",
    "Дата рождения",
    "Объединение",
    "Группа",
    "Год обучения",
    "Педагог",
]
EXPORT_ROWS = [
    [1, "Иванов Пётр Сергеевич", "01.02.2016", "Робототехника", "1", "1", "Кузнецов А. И."],
    [2, "Петрова Анна Михайловна", "12.11.2015", "Робототехника", "2", "2", "Кузнецов А. И."],
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_header_is_found_below_title_and_blank_rows(fmt):
    title = ["Список обучающихся МОУДО «ЦДОД» на 01.12.2026", "", "Сформирован: 01.12.2026"]
    if fmt == "csv":
        data = export_csv(EXPORT_HEADER, EXPORT_ROWS, title=title)
    else:
        data = export_xlsx(EXPORT_HEADER, EXPORT_ROWS, title=title)

    layout = find_layout(read_records(data, f"export.{fmt}")[0])

    assert layout.header_row == 5  # three title rows and a blank one above it
    assert layout.headers == EXPORT_HEADER
    assert layout.samples[1] == ["Иванов Пётр Сергеевич", "Петрова Анна Михайловна"]
    assert layout.samples[4] == ["1", "2"]


def test_known_headers_are_proposed_and_the_others_not_imported():
    assert propose_mapping(EXPORT_HEADER) == ["", "full_name", "birth_date", "unit", "unit", "", ""]
    assert propose_mapping(
        [
            "Фамилия, имя, отчество",
            "Класс",
            "ФИО родителя (законного представителя)",
            "Детское объединение",
            "Идентификатор",
            "Тип",
            "Родитель для",
        ]
    ) == ["full_name", "unit", "parent_full_name", "unit", "external_id", "kind", "guardian_of"]
    assert propose_mapping(["Фамилия", "Имя", "Отчество", "Ф.И.О.", "last_name", "СНИЛС"]) == [
        "last_name",
        "first_name",
        "patronymic",
        "full_name",
        "last_name",
        "",
    ]


def test_the_layout_key_ignores_case_spaces_and_punctuation_but_not_the_order():
    assert layout_key(["ФИО", "Класс"]) == layout_key(["  фио ", "КЛАСС"])
    assert layout_key(["Ф.И.О.", "Класс"]) == layout_key(["Ф И О", "Класс"])
    assert layout_key(["ФИО", "Класс"]) != layout_key(["Класс", "ФИО"])
    assert layout_key(["ФИО", "Класс"]) != layout_key(["ФИО", "Класс", "Дата рождения"])


def test_without_known_headers_the_first_row_of_several_cells_is_the_header():
    data = export_csv(["Ученик", "Наименование"], [["Иванов Пётр", "Шахматы"]], title=["Отчёт"])

    layout = find_layout(read_records(data, "export.csv")[0])

    assert (layout.header_row, layout.headers) == (3, ["Ученик", "Наименование"])
    assert propose_mapping(layout.headers) == ["", ""]
