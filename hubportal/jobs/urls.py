from django.urls import path

from . import views

urlpatterns = [
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/result/", views.job_result, name="job_result"),
]
