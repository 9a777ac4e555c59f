"""Writing a finished figure: one layout pass, one file, the figure closed (matplotlib keeps every
open figure in memory until it is closed)."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def save_figure(fig, path: Path, dpi: int = 110) -> Path:
    """``fig.tight_layout()``, save to ``path`` at ``dpi``, close; returns ``path``."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
