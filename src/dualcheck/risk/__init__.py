"""Declaration risk scoring: anomaly and fraud risk on customs declarations (see docs/risk.md)."""

from dualcheck.risk.model import RiskModel, inspection_metrics, load_model, train_model
from dualcheck.risk.reader import Declarations, read_declarations

__all__ = ["Declarations", "RiskModel", "inspection_metrics", "load_model", "read_declarations", "train_model"]
