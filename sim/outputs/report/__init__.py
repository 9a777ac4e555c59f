"""The HTML report of a result, ensemble or comparison folder (``python run.py report``)."""
