from roles.models import UnitKind


def test_institution_has_staff_room(institution):
    assert institution.units.filter(kind=UnitKind.STAFF_ROOM).count() == 1


def test_admin_can_open_home(admin_client):
    response = admin_client.get("/")
    assert response.status_code == 200
