"""The dashboard (工作台): each role's counts and lists of what waits for it, equal to the lists behind them.

Its page and API are in service/web/dashboard/.
"""
from service.areas import public

__all__, __getattr__ = public(__name__, {"service": ["DashboardService"]})
