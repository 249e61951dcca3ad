"""What the system tests and the benchmarks share: starting real servers and whole
stacks, signed-in clients, reading the event stream, checking invariants, and the
chaos and fuzz runners. `tests` and `bench` both import this, never each other."""
