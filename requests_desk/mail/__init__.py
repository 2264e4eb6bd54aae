"""E-mail into the desk: read a mailbox (:mod:`.fetch`), take a message apart (:mod:`.parse`),
find where it goes (:mod:`.route`) and make it a case or a reply (:mod:`.ingest`)."""
