"""Calibration to observed data (issue 15): ``run.py calibrate`` and the posterior it ships."""
