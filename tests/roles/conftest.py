"""Fixtures of the roles tests: the roster import's uploader and units.

The roster helpers' asserts are rewritten by pytest as a test module's are.
"""

import pytest

pytest.register_assert_rewrite("tests.roles.roster_helpers")

from roles import services  # noqa: E402
from roles.models import Unit, UnitKind  # noqa: E402

from ..factories import UserFactory  # noqa: E402
from .roster_helpers import DEPARTMENT, YEAR  # noqa: E402


@pytest.fixture
def uploader(db):
    """A login that is nobody on the roster, so that importing staff never makes it leave."""
    return UserFactory()


@pytest.fixture
def units(institution, klass, department) -> dict[str, Unit]:
    """3А (the `klass` fixture), 3Б of the same year and the department, by name."""
    other = services.create_unit(
        institution=institution, kind=UnitKind.CLASS, name="3Б", academic_year=YEAR
    )
    return {"3А": klass, "3Б": other, DEPARTMENT: department}
