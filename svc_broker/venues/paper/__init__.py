"""The paper venue: fills against the live bid and ask, on the platform's own database."""

from svc_broker.venues.paper.triggers import Watch
from svc_broker.venues.paper.venue import PaperBroker

__all__ = ["PaperBroker", "Watch"]
