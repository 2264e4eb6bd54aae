"""The desk's REST API (SPEC §5): requests and their timeline, calls, clocks and contacts.

Views are thin: they scope querysets to the caller's divisions, validate input with the
serializers here, and call the desk's services, which own every write."""
