"""`forum demo-data`: realistic synthetic data for demos and benchmarks (SPEC.md §6).

Members (a few moderators, activity skewed: a few do most of the forecasting), predictions on
the bundled article spread over the ~9 months before the data's "now" (shape.anchor), forecast
histories drifting towards the eventual outcome, threaded comments, votes, and a share
resolved (a few corrected), annulled or awaiting resolution, with their resolution log, audit
entries, notifications and scores. Popularity follows a Zipf-like law with the most forecast
prediction holding about 3 % of all forecasts. The same seed gives the same rows.

Plan in memory (compact arrays), then bulk-insert with Core executemany (store.py): 20,000
predictions with 1,000,000 forecasts and 200,000 comments take minutes, not hours.
"""

from forum.demo_data.generate import DemoDataError, DemoSizes, DemoSummary, generate
from forum.demo_data.people import ADMIN, DEMO_PASSWORD, MEMBER

__all__ = ["ADMIN", "DEMO_PASSWORD", "MEMBER", "DemoDataError", "DemoSizes", "DemoSummary",
           "generate"]
