"""Solara entry point of the dashboard: ``solara run sim/dashboard_app.py`` (``python run.py dashboard``)."""

from sim.dashboard import make_page

page = make_page()
