from django.urls import path

from . import views
from .exporting import export_urls
from .views import exports

app_name = "roles"

urlpatterns = [
    path("", views.InstitutionListView.as_view(), name="institutions"),
    path("<int:institution_id>/", views.InstitutionDetailView.as_view(), name="institution"),
    path(
        "<int:institution_id>/edit/", views.InstitutionEditView.as_view(), name="institution_edit"
    ),
    path("<int:institution_id>/order/", views.OrderFileView.as_view(), name="order_file"),
    path("<int:institution_id>/units/", views.UnitListView.as_view(), name="units"),
    path("<int:institution_id>/units/new/", views.UnitCreateView.as_view(), name="unit_create"),
    path("<int:institution_id>/units/<int:pk>/", views.UnitDetailView.as_view(), name="unit"),
    path(
        "<int:institution_id>/units/<int:pk>/edit/", views.UnitEditView.as_view(), name="unit_edit"
    ),
    path(
        "<int:institution_id>/units/<int:pk>/archive/",
        views.UnitArchiveView.as_view(),
        name="unit_archive",
    ),
    path("<int:institution_id>/logins/", views.LoginLockListView.as_view(), name="login_locks"),
    path("<int:institution_id>/people/", views.PersonListView.as_view(), name="people"),
    *export_urls("<int:institution_id>/people/", exports.PeopleExportView, "people"),
    path(
        "<int:institution_id>/people/new/", views.PersonCreateView.as_view(), name="person_create"
    ),
    path(
        "<int:institution_id>/people/duplicates/",
        views.DuplicateListView.as_view(),
        name="duplicates",
    ),
    path("<int:institution_id>/people/<int:pk>/", views.PersonDetailView.as_view(), name="person"),
    path(
        "<int:institution_id>/people/<int:pk>/merge/<int:other_pk>/",
        views.MergeView.as_view(),
        name="merge",
    ),
    path(
        "<int:institution_id>/people/<int:pk>/edit/",
        views.PersonEditView.as_view(),
        name="person_edit",
    ),
    path("<int:institution_id>/people/<int:pk>/enrol/", views.EnrolView.as_view(), name="enrol"),
    path(
        "<int:institution_id>/people/<int:pk>/transfer/",
        views.TransferView.as_view(),
        name="transfer",
    ),
    path("<int:institution_id>/people/<int:pk>/leave/", views.LeaveView.as_view(), name="leave"),
    path(
        "<int:institution_id>/people/<int:pk>/children/",
        views.GuardianLinkView.as_view(),
        name="guardian_link",
    ),
    path(
        "<int:institution_id>/people/<int:pk>/verify/",
        views.VerifyTeacherView.as_view(),
        name="verify_teacher",
    ),
    path(
        "<int:institution_id>/people/<int:pk>/department/",
        views.AddToDepartmentView.as_view(),
        name="add_to_department",
    ),
    path(
        "<int:institution_id>/units/<int:pk>/class-teachers/",
        views.DepartmentClassTeachersView.as_view(),
        name="department_class_teachers",
    ),
    path(
        "<int:institution_id>/memberships/<int:pk>/role/",
        views.ChangeRoleView.as_view(),
        name="change_role",
    ),
    path("<int:institution_id>/movements/", views.MovementListView.as_view(), name="movements"),
    *export_urls("<int:institution_id>/movements/", exports.MovementExportView, "movements"),
    path("<int:institution_id>/admins/", views.AppointmentListView.as_view(), name="appointments"),
    path(
        "<int:institution_id>/admins/<int:pk>/end/",
        views.AppointmentEndView.as_view(),
        name="appointment_end",
    ),
    path(
        "<int:institution_id>/admins/<int:pk>/details/",
        views.AppointmentDetailsView.as_view(),
        name="appointment_details",
    ),
    path(
        "<int:institution_id>/admins/<int:pk>/order/",
        views.AppointmentOrderFileView.as_view(),
        name="appointment_order",
    ),
    path("<int:institution_id>/todo/", views.TodoListView.as_view(), name="todos"),
    *export_urls("<int:institution_id>/todo/", exports.TodoExportView, "todos"),
    path(
        "<int:institution_id>/todo/<int:pk>/done/", views.TodoDoneView.as_view(), name="todo_done"
    ),
    path("<int:institution_id>/import/", views.RosterUploadView.as_view(), name="roster_upload"),
    path(
        "<int:institution_id>/import/<int:pk>/",
        views.RosterImportView.as_view(),
        name="roster_import",
    ),
    path(
        "<int:institution_id>/import/<int:pk>/columns/",
        views.RosterMappingView.as_view(),
        name="roster_mapping",
    ),
    path("<int:institution_id>/audit/", views.AuditListView.as_view(), name="audit"),
    *export_urls("<int:institution_id>/audit/", exports.AuditExportView, "audit"),
]
