from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("print/", views.OverviewView.as_view(printing=True), name="print"),
    path("export.csv", views.ExportCsvView.as_view(), name="export_csv"),
    path("export.xlsx", views.ExportXlsxView.as_view(), name="export_xlsx"),
    path("rollup/", views.RollupNowView.as_view(), name="rollup"),
    path("region/", views.RegionView.as_view(), name="region"),
]
