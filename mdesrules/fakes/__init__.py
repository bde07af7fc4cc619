"""Test doubles: the services an issuer's system talks to, simulated in process.

- :mod:`mdesrules.fakes.mdes`: the simulated MDES Customer Service API (``SimulatedMdes``,
  ``MemoryStore``, ``SqliteStore``), which ``mdesrules serve`` serves.
- :mod:`mdesrules.fakes.tms`: a simulated CyberSource TMS (card art, payment credentials).
- :mod:`mdesrules.fakes.notifications`: ``NotificationEmitter``, which turns each lifecycle
  change of the simulated MDES into the encrypted ``notifyTokenUpdated`` a token requestor
  receives.

They apply the same rule sets and token lifecycle as the pre-flight check, so they never
disagree with it. Nothing outside the command line and the tests imports them.
"""
