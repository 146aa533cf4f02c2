from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/map.svg", views.world_map, name="dashboard_map"),
    path("dashboard/<slug:chart>.csv", views.chart_csv, name="dashboard_csv"),
]
