"""Agent-based simulator of industry transfer into the development parks of Jilin and its neighbours.

Data flows one way: scenario + data -> model -> metrics -> results -> plots.
"""

__version__ = "0.1.0"
