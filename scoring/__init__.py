"""The scoring engine of the appraisal platform (十佳十差评议), methodology version 1.

Pure functions over numpy arrays that return frozen dataclasses: no database,
Streamlit or Twilio here. :func:`load_bundle` turns a bundle folder into
:class:`CampaignInputs`; :func:`score_campaign` turns those into results. The
offline scorer (``python -m scoring``) and the platform share this one path.
"""

from scoring.bundle import Bundle, load_bundle
from scoring.engine import CampaignResult, score_campaign
from scoring.errors import BundleError, Defect
from scoring.inputs import Answers, CampaignInputs
from scoring.params import METHOD_VERSION, CampaignInfo, MethodParams, parse_campaign_toml

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
