"""Proof harnesses: load (`python -m bench`), faults (`python -m harness.chaos`), fuzzing
(`python -m harness.fuzz`).

Everything here drives the real stack from the outside, through the ingress, the
way a browser or a QA script would: the stack is started by `scripts/stack.py`
(the `make run` launcher) or, when single processes must be killed, from the
Procfile that launcher writes (`scripts/stack.py --write-only`).
"""
