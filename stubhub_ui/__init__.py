"""StubHub UI: the Reflex front end of the ticket resale marketplace."""
