"""Printers of differentiated IR, one subpackage per target (`python`: CPython source text).

Assumes verified, differentiated Functions. A target imports only `ir`, `ops` and its own modules.
"""
