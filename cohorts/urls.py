"""Attendance taken in the room (cohorts.views): the staff's roll call and QR screen under
/attendance/slots/ and /attendance/visits/, the trainees' check-in under /check-in/."""

from django.urls import path

from . import views

urlpatterns = [
    path("attendance/slots/<int:pk>/roll-call/", views.roll_call, name="attendance_slot_roll_call"),
    path("attendance/slots/<int:pk>/marks/", views.marks, name="attendance_slot_marks"),
    path("attendance/slots/<int:pk>/check-in/", views.check_in_screen, name="attendance_slot_check_in"),
    path("attendance/slots/<int:pk>/check-in/code/", views.check_in_code, name="attendance_slot_check_in_code"),
    path("attendance/slots/<int:pk>/check-in/open/", views.check_in_open, name="attendance_slot_check_in_open"),
    path("attendance/visits/<int:pk>/roll-call/", views.roll_call, {"kind": "visit"},
         name="attendance_visit_roll_call"),
    path("attendance/visits/<int:pk>/marks/", views.marks, {"kind": "visit"}, name="attendance_visit_marks"),
    # Fixed: the QR codes on the screens point at them.
    path("check-in/", views.check_in, name="check_in"),
    path("check-in/<str:token>/", views.check_in_token, name="check_in_token"),
]
