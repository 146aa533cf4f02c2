from django.urls import path

from . import excuses, views

# Fixed: links in emails and phone calendars point at them.
urlpatterns = [
    path("", views.home, name="home"),
    path("sessions/<str:code>/timetable/", views.timetable, name="portal_timetable"),
    path("calendar.ics", views.calendar_download, name="portal_calendar"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="portal_calendar_feed"),
    path("calendar/renew/", views.calendar_renew, name="portal_calendar_renew"),
    path("attendance/", views.attendance, name="portal_attendance"),
    path("attendance/excuse/<str:kind>/<int:pk>/", excuses.excuse_request, name="portal_excuse_request"),
    path("attendance/excuses/<int:pk>/document/", excuses.excuse_document, name="excuse_document"),
    path("visits/<int:pk>/sign-up/", excuses.visit_sign_up, name="portal_visit_sign_up"),
    path("visits/<int:pk>/cancel/", excuses.visit_cancel, name="portal_visit_cancel"),
    path("certificates/", views.certificates, name="portal_certificates"),
    path("profile/", views.profile, name="portal_profile"),
    path("profile/data.json", views.profile_data, name="portal_profile_data"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("invitation/<str:key>/", views.invitation, name="portal_invitation"),
]
