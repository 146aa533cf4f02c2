"""Reports for MOHW, IVI and WHO: a session's attendance, and trainees by country across sessions.

At the top of the import chain (reports -> certificates -> cohorts -> curriculum / trainees ->
hubportal): the report by country counts the certificates issued, so reports read certificates,
and certificates know nothing of reports.
"""
