"""Forecast Forum: an article turned into a predictions board.

This package's top level imports nothing, so pure modules such as `forum.scoring` load
without the web stack. The application factory is `forum.app.create_app`.
"""
