"""Follow-ups (回访): the schedule of calls after a sale (rules, key dates, campaigns), contact records,
complaints, the team's view, birthday and anniversary reminders, and the completion report.

Its pages and API are in service/web/followups/, its records in storage/followups.py.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {
    "service": ["DONE", "FOLLOWUP_LISTING", "OPEN", "FollowupService", "combine", "file_snapshot",
                "listed_followups", "visible"],
    "rules": ["rules"],
    "complaints": ["STATES as COMPLAINT_STATES", "ComplaintService", "listed_complaints"],
    "contacts": ["CATEGORIES", "CHANNELS", "contact_fields"],
    "report": ["FollowupReport", "bar_chart"],
    "team": ["CAMPAIGN_FILTERS", "FollowupTeam", "reminder_days"],
})
