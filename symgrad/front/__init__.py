"""The front end: a Python function's source to IR (today only `lower`; `source`, `resolve` and `fence` move here).

Imports nothing, so that importing one front-end module does not import the others.
"""
