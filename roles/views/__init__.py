"""The roles app's pages, one module per part of the structure; `roles.urls` maps them.

Thin views: parse the request, check the action in `roles.permissions` (an institution's page
derives from `roles.web.InstitutionView` and names one), call a service or a selector, render.
A service's refusal is shown on the form or as a message (`roles.web.show_on_form`,
`show_as_message`). No other app imports these: the shared web kit is `roles.web` and
`roles.forms_base`.
"""

from .appointments import (
    AppointmentDetailsView,
    AppointmentEndView,
    AppointmentListView,
    AppointmentOrderFileView,
)
from .audit import AuditListView
from .duplicates import DuplicateListView, MergeView
from .institution import (
    InstitutionDetailView,
    InstitutionEditView,
    InstitutionListView,
    OrderFileView,
)
from .login import LoginLockListView, LoginWithCodeView
from .movement import (
    AddToDepartmentView,
    ChangeRoleView,
    DepartmentClassTeachersView,
    EnrolView,
    LeaveView,
    MovementFormView,
    MovementListView,
    TransferView,
)
from .people import (
    GuardianLinkView,
    PersonCreateView,
    PersonDetailView,
    PersonEditView,
    PersonListView,
    VerifyTeacherView,
)
from .roster import RosterImportView, RosterMappingView, RosterUploadView
from .todos import TodoDoneView, TodoListView
from .units import UnitArchiveView, UnitCreateView, UnitDetailView, UnitEditView, UnitListView

__all__ = [
    "AddToDepartmentView",
    "AppointmentDetailsView",
    "AppointmentEndView",
    "AppointmentOrderFileView",
    "AppointmentListView",
    "AuditListView",
    "ChangeRoleView",
    "DepartmentClassTeachersView",
    "DuplicateListView",
    "EnrolView",
    "GuardianLinkView",
    "InstitutionDetailView",
    "InstitutionEditView",
    "InstitutionListView",
    "LeaveView",
    "LoginLockListView",
    "LoginWithCodeView",
    "MergeView",
    "MovementFormView",
    "MovementListView",
    "OrderFileView",
    "PersonCreateView",
    "PersonDetailView",
    "PersonEditView",
    "PersonListView",
    "RosterImportView",
    "RosterMappingView",
    "RosterUploadView",
    "TodoDoneView",
    "TodoListView",
    "TransferView",
    "UnitArchiveView",
    "UnitCreateView",
    "UnitDetailView",
    "UnitEditView",
    "UnitListView",
    "VerifyTeacherView",
]
