"""Serving an API over HTTP: the WSGI application and a small threaded server to host it.

- :class:`~mdesrules.serving.wsgi.WsgiApp`: serves any handler from request to response as an
  MDES Customer Service API (routing, bounded body reading, decoding and checking, MDES's
  error shape for every refusal).
- :mod:`mdesrules.serving.server`: the HTTP/1.1 server (waitress: keep-alive, chunked
  bodies, a request deadline, a bounded worker pool) ``mdesrules serve`` runs; any WSGI
  server hosts the apps just as well.

Used by the simulated MDES (:mod:`mdesrules.fakes`), the notification receiver
(:mod:`mdesrules.notifications`) and the in-process carrier.
"""

from .wsgi import WsgiApp

__all__ = ["WsgiApp"]
