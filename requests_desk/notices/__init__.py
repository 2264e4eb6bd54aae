"""The staff side of public notices: planning, publishing, rescheduling and cancelling service
suspensions, publishing announcements, and who hears of them (:mod:`.audience`). The notices,
their clocks and their public pages are :mod:`notifications.notices`."""
