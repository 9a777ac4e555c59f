"""The interactive SolaraViz dashboard (``python run.py dashboard``): the model behind the sliders
(economy.py), the page (page.py), the solara entry point (app.py) and the server (server.py)."""
