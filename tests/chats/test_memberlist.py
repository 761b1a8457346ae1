"""Member lists as the members screens of Sferum, VK Messenger and MAX give them when copied."""

from chats.services import parse_member_list, read_member_file
from chats.services.matching import FULL, INITIALS, NONE, name_key, quality, tokens

# Sferum (web.vk.me, the educational profile): a counter, buttons, a role line under a name.
SFERUM = """Участники · 9
Пригласить по ссылке
Добавить участников

Соколова Анна Викторовна
Учитель · администратор
Иванов Иван
Ученик
Петрова Мария
Ученик
Сидоров Пётр
Вы
Незнакомов Артём 😀
"""

# VK Messenger: "Имя Фамилия", online marks on the next line, an emoji in a name.
VK = """9 участников
Анна Соколова
администратор
Иван Иванов
в сети
Мария Петрова 🌸
был(а) в сети 5 минут назад
Пётр Сидоров
была в сети вчера в 18:03
Артём Незнакомов
заходил 2 часа назад
Показать всех
"""

# MAX: "(вы)" glued to the pasting user's name, «Владелец», «в сети», initials.
MAX = """Участники 9
Поиск
Соколова Анна (вы)
Владелец
Иванов И.
в сети
Мария Петрова · был(а) недавно
П. Сидоров
Артём Незнакомов
👍
"""

NAMES = ["Соколова Анна", "Иванов Иван", "Петрова Мария", "Сидоров Пётр", "Незнакомов Артём"]


def keys(text: str) -> list[str]:
    return [name_key(line.name) for line in parse_member_list(text).names]


def test_the_sferum_screen_gives_the_names_without_roles_and_buttons():
    parsed = parse_member_list(SFERUM)
    assert [line.name for line in parsed.names] == [
        "Соколова Анна Викторовна",
        "Иванов Иван",
        "Петрова Мария",
        "Сидоров Пётр",
        "Незнакомов Артём",
    ]
    assert (1, "Участники · 9") in parsed.skipped
    assert all(line != "Ученик" for line in (n.name for n in parsed.names))


def test_the_vk_messenger_screen_gives_the_names_without_online_marks():
    assert keys(VK) == [name_key(n) for n in NAMES]
    assert not any("сети" in line.name for line in parse_member_list(VK).names)


def test_the_max_screen_gives_the_names_with_their_initials():
    names = [line.name for line in parse_member_list(MAX).names]
    assert names == ["Соколова Анна", "Иванов И", "Мария Петрова", "П. Сидоров", "Артём Незнакомов"]


def test_a_name_that_begins_like_a_status_is_kept():
    assert [n.name for n in parse_member_list("Былинкин Олег\nбыл в сети\n").names] == [
        "Былинкин Олег"
    ]


def test_blank_and_noise_only_lists_have_no_names():
    parsed = parse_member_list("\n\nВы\nв сети\n😀\n28 участников\n")
    assert parsed.names == []
    assert len(parsed.skipped) == 4


def test_a_csv_file_is_read_by_its_name_column():
    data = "Список участников\n№;ФИО;Роль\n1;Иванов Иван;ученик\n2;Петрова Мария;ученик\n"
    text = read_member_file(data.encode("cp1251"), "members.csv")
    assert text.splitlines() == ["Иванов Иван", "Петрова Мария"]


def test_a_csv_file_with_separate_name_columns():
    data = "Фамилия,Имя,Отчество\nИванов,Иван,Сергеевич\n"
    assert read_member_file(data.encode(), "list.CSV") == "Иванов Иван Сергеевич"


def test_a_text_file_is_taken_as_pasted():
    assert read_member_file("\ufeffИванов Иван\n".encode(), "list.txt").strip() == "Иванов Иван"


def test_names_match_in_any_order_with_or_without_patronymic_and_by_initials():
    ivanov = ("иванов", "иван", "сергеевич")
    assert quality(tokens("Иванов Иван"), ivanov) == FULL
    assert quality(tokens("Иван Иванов"), ivanov) == FULL
    assert quality(tokens("Иванов Иван Сергеевич"), ivanov) == FULL
    assert quality(tokens("ИВАНОВ иван"), ivanov) == FULL
    assert quality(tokens("Иванов И."), ivanov) == INITIALS
    assert quality(tokens("И. С. Иванов"), ivanov) == INITIALS
    assert quality(tokens("Иванов"), ivanov) == NONE
    assert quality(tokens("Иванов Пётр"), ivanov) == NONE
    assert quality(tokens("Иван Сергеевич"), ivanov) == NONE


def test_yo_is_e():
    assert quality(tokens("Алена Козлова"), ("козлова", "алена", "")) == FULL
    assert name_key("Пётр Сидоров") == name_key("сидоров петр")
