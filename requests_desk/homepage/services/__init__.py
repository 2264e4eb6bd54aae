"""The homepage's services: public submissions and tracking, the customer's voice, surveys, the
abuse limits of the public forms, and the retention of what customers gave us."""
