"""`make bench`: the forum under gunicorn on demo data, against a bare Flask "hello" app.

Run from the repository root (`python -m bench --help`); see __main__.py for the steps.
"""
