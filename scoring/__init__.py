"""The scoring engine of the appraisal platform (十佳十差评议), methodology version 1.

Pure functions over numpy arrays that return frozen dataclasses: no database,
Streamlit or Twilio here. :func:`load_bundle` turns a bundle folder into
:class:`CampaignInputs`; :func:`score_campaign` turns those into results. The
offline scorer (``python -m scoring``) and the platform share this one path.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scoring.bundle import Bundle, load_bundle
    from scoring.engine import CampaignResult, score_campaign
    from scoring.errors import BundleError, Defect
    from scoring.inputs import Answers, CampaignInputs
    from scoring.params import METHOD_VERSION, CampaignInfo, MethodParams, parse_campaign_toml

# Loaded on first use (PEP 562): the app imports light submodules such as scoring.params or
# scoring.textrules on every page, and importing the package must not pull in pyarrow
# (scoring.bundle, about a second) for them.
_SOURCES = {
    "Bundle": "scoring.bundle",
    "load_bundle": "scoring.bundle",
    "CampaignResult": "scoring.engine",
    "score_campaign": "scoring.engine",
    "BundleError": "scoring.errors",
    "Defect": "scoring.errors",
    "Answers": "scoring.inputs",
    "CampaignInputs": "scoring.inputs",
    "METHOD_VERSION": "scoring.params",
    "CampaignInfo": "scoring.params",
    "MethodParams": "scoring.params",
    "parse_campaign_toml": "scoring.params",
}


def __getattr__(name: str) -> Any:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'scoring' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})


__all__ = [
    "METHOD_VERSION",
    "Answers",
    "Bundle",
    "BundleError",
    "CampaignInfo",
    "CampaignInputs",
    "CampaignResult",
    "Defect",
    "MethodParams",
    "load_bundle",
    "parse_campaign_toml",
    "score_campaign",
]
