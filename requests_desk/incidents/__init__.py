"""The staff side of incidents (trouble reports): recording, telling the affected customers,
linking the requests they caused; the incidents themselves live in ``notifications.incidents``."""
