"""SLA reports for managers: the dashboard, its drill-down lists, exports, the printable monthly
report, and the public charter scorecard.

- :mod:`.periods` — which days a report covers (month, quarter, year, or a custom range of at
  most a year) and the filter form that chooses them with the scope;
- :mod:`.scopes` — company, division or team, and who may see which;
- :mod:`.compliance` — the figures, as dataclasses, from the daily clock summary
  (:mod:`commitments.models.summary`) and a handful of bounded queries on the open clocks,
  calls and the customer's voice;
- :mod:`.lists` — the rows behind every figure, paginated without counting them;
- :mod:`.exports` — CSV and XLSX, streamed;
- :mod:`.views` — thin views (each answers a ``Server-Timing: app;dur=…`` header).

What counts (shown on the page as well):

- a clock belongs to the period its **due instant** (the one in force: after pauses and
  recomputation) falls in, Asia/Seoul days; a clock still running whose due instant is in the
  period is "still running"; cancelled clocks are counted apart and left out of everything else;
- **compliance** = met / (met + breached); a clock stopped exactly at its due instant is met;
- **time to stop** = (stopped − started) / (due − started), wall clock, as a percentage of the
  span the clock was given (100 % = at the due instant); median and 90th percentile are
  interpolated from the summary's buckets;
- every clock keeps the terms it was computed with (``ClockTerms``): the report lists the terms
  in force for the period's clocks, so an edit of the catalogue or a calendar made later changes
  neither the figures nor what they are measured against.
"""
