"""What every service does the same way: settings, errors, sessions, database, events."""
