"""The byte codecs: requests and responses to and from JSON or DataContract XML bytes.

- :mod:`mdesrules.codecs.json`: the JSON form of every operation (PascalCase and wrapped for
  the Customer Service API, bare camelCase for the legacy update and the notifications).
- :mod:`mdesrules.codecs.xml`: the DataContract XML form of the legacy update, read by the one
  hardened parser (no DTD, no entities, no network, bounded size).

Both sit on :mod:`mdesrules.codec`, which maps models to wire documents and back; these add
the bytes. Pure code: no I/O.
"""
