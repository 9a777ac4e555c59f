"""``python run.py report FOLDER [--lang zh|en] [--out DIR]``: one self-contained HTML report of a
result, ensemble or comparison folder, for policy teams to pass on (docs/cli.md).

Everything is inside one ``report.html``: figures as base64 PNG data URIs (fresh ones drawn here
from the runs' ``trajectories.parquet``: the map of arrivals by park, the 亩均 park indicators, the
levers' schedules and, for comparisons, fan charts of the levels; the folder's own PNGs otherwise),
inline CSS, and the glyphs the page uses subset from the shipped CJK font (``sim/fonts``, SIL OFL)
as an embedded web font, so Chinese renders on a machine without CJK fonts and nothing is fetched
from the network. No JavaScript.

The report never writes into the folder it reads: it goes to a new folder
``DIR/<timestamp>_<source folder>_<lang>/`` (default ``DIR`` = ``results/reports``), written to a
hidden temporary folder and renamed into place. The last line of stdout is the HTML file's path.

亩均 indicators (per park, per mu of land in use, i.e. capacity − free land = occupancy × capacity,
the recorder's ``land_used``; 1 ha = 15 亩):
  亩均产值 = industrial output (万元/year) / land used (亩);
  亩均税收 = local VAT and income-tax share collected from the park's firms (``tax_revenue``,
  万元/year) / land used.
Base year: output and land of the calibrated base state; tax (no flow at the base state) from the
simulated periods of the base year, annualised. End year: means over the last calendar year's
periods (tax annualised). Ensembles and comparisons: the mean over replicates of each indicator.

Modules, in the order the data flows: ``source`` (detect and read the folder), ``numbers`` (headline
and 亩均 numbers from the trajectories), ``figures`` (fresh figures as PNG data URIs), ``tables``
(the HTML tables and sections), ``noise`` (the comparison's difference table: bands, sign shares,
the noise flag and the replicates needed), ``page`` (the page: sections, CSS, embedded font, the
folder it is written to); ``i18n`` holds the words in Chinese and English.
"""
