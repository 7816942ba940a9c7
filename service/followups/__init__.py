"""Follow-ups (回访): the schedule of calls after a sale (rules, key dates, campaigns), contact records,
complaints, the team's view, birthday and anniversary reminders, and the completion report.

Its pages and API are in service/web/followups/, its records in storage/followups.py.
"""
from service.followups import rules
from service.followups.complaints import STATES as COMPLAINT_STATES
from service.followups.complaints import ComplaintService
from service.followups.complaints import listed_complaints
from service.followups.contacts import CATEGORIES
from service.followups.contacts import CHANNELS
from service.followups.contacts import contact_fields
from service.followups.report import FollowupReport
from service.followups.report import bar_chart
from service.followups.service import DONE
from service.followups.service import FOLLOWUP_LISTING
from service.followups.service import OPEN
from service.followups.service import FollowupService
from service.followups.service import combine
from service.followups.service import file_snapshot
from service.followups.service import listed_followups
from service.followups.service import visible
from service.followups.team import CAMPAIGN_FILTERS
from service.followups.team import FollowupTeam
from service.followups.team import reminder_days

__all__ = ["CAMPAIGN_FILTERS", "CATEGORIES", "CHANNELS", "COMPLAINT_STATES", "DONE", "FOLLOWUP_LISTING", "OPEN",
           "ComplaintService", "FollowupReport", "FollowupService", "FollowupTeam", "bar_chart", "combine",
           "contact_fields", "file_snapshot", "listed_complaints", "listed_followups", "reminder_days", "rules",
           "visible"]
