"""Solara entry point of the dashboard: ``solara run sim/dashboard/app.py`` (``python run.py dashboard``)."""

from sim.dashboard.page import make_page

Page = make_page()
