from django.urls import path

from . import views

urlpatterns = [
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/download/", views.certificate_download, name="certificate_download"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/result/", views.job_result, name="job_result"),
]
