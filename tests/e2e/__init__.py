"""Browser tests: the app served from a thread, driven by Debian's Chromium through Playwright."""
