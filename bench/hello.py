"""The baseline: a bare Flask app that says hello, served by the same gunicorn setup."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
