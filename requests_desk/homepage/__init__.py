"""The customers' homepage and voice: the homepage, complaints and tracking, commendations,
surveys and their published results (no account needed), and the managers' pages that answer
the customer's voice (unkind-service reports, commendations, phone scores)."""
