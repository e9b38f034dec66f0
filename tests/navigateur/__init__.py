"""End to end in a real headless Chromium: what only a browser shows."""
