"""Transports that serialize and send checked MDES requests.

This package depends on :mod:`mdesrules`; the core never imports it. The JSON, XML, HTTP and
in-memory transports arrive with the transports issue.
"""
