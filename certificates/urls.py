from django.urls import path

from . import views

urlpatterns = [
    path("verify/<str:code>/", views.certificate_verify, name="certificate_verify"),
    path("certificates/<str:code>/download/", views.certificate_download, name="certificate_download"),
]
