"""Records of the charter's subjects with no customer request behind them: certificates,
personnel handovers, PowerBase test windows, training sessions and material deliveries.

One module of plain service functions per record; :mod:`requests_desk.records.common` holds
what they share (their clocks, who may see them, the customer they name)."""
