"""Driving the dashboard in a real browser: the browser test and the screenshot script share this.

The browser is Debian's Chromium (``/usr/bin/chromium``), driven by Playwright's Python API
with a fresh profile; Playwright's own browser download (``playwright install``) is never used.
The server is started as a reader starts it, ``distill-sim-dashboard`` (here ``python -m
sim.dashboard.server``) in a subprocess, on a free port of 127.0.0.1. Playwright is imported
inside the functions that drive a browser, so the package never needs it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
LOCALHOST = "127.0.0.1"


def free_port() -> int:
    """A port of 127.0.0.1 free at the time of asking."""
    with socket.socket() as s:
        s.bind((LOCALHOST, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Served:
    """A running dashboard server: its address and process id."""

    url: str
    pid: int


@contextlib.contextmanager
def dashboard_server(timeout: float = 60.0) -> Iterator[Served]:
    """Serve the dashboard in a subprocess on a free port, host left at its default; stops it after.

    Raises:
        RuntimeError: the server exited or did not answer within ``timeout`` seconds (with its output).
    """
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")  # not a pipe: a server that logs much would block on a full one
    proc = subprocess.Popen([sys.executable, "-m", "sim.dashboard.server", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://{LOCALHOST}:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"the dashboard server exited with {proc.returncode}: {log.read()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the dashboard server did not answer at {url} within {timeout:.0f} s") from None
                time.sleep(0.3)
        yield Served(url, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@contextlib.contextmanager
def browser_page(profile: Path, width: int = 1400, height: int = 1000) -> Iterator:
    """A page of headless Chromium with a fresh profile in ``profile`` (a Playwright ``Page``)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True,
            viewport={"width": width, "height": height})
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.set_default_timeout(60_000)
            yield page
        finally:
            context.close()


def select_option(page, label: str, option: str) -> None:
    """Pick ``option`` in the select whose label starts with ``label``."""
    page.locator(".v-select", has=page.locator("label", has_text=label)).click()
    page.locator(".menuable__content__active .v-list-item", has_text=option).first.click()


def set_lever(page, label: str, value: str) -> None:
    """Type ``value`` into the text field whose label starts with ``label``."""
    field = page.locator(".v-text-field", has=page.locator("label", has_text=label)).locator("input")
    field.fill(value)
    field.press("Tab")
