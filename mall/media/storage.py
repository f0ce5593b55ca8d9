"""Where uploaded files live: the Storage interface and the default folder on disk (MALL_MEDIA_DIR).

The class is chosen by `MALL_MEDIA_STORAGE` ("module:Class"); docs/media.md shows an S3-compatible one.
Keys are relative paths such as "products/3/9f2c….jpg", made by the media feature, never by a user.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

#: What a key may look like: folders and a file name of safe characters, no "..", no leading slash.
KEY = re.compile(r"[a-z0-9_-]+(?:/[a-z0-9_-]+)*/[a-z0-9_-]+\.(?:jpg|png|webp)")


class Storage(Protocol):
    """Saves, addresses and deletes files by key; built once per app with `from_app(app)`."""

    @classmethod
    def from_app(cls, app: Flask) -> Storage:
        """The storage configured for this app."""

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Store the bytes under the key (a new key every time: files are never overwritten)."""

    def url(self, key: str) -> str:
        """The address a browser loads the file from."""

    def delete(self, key: str) -> None:
        """Remove the file; a missing one is no error."""


class LocalStorage:
    """Files in a folder on this machine (MALL_MEDIA_DIR), served under MALL_MEDIA_URL (the app's /media/ route
    in development, the web server in production)."""

    def __init__(self, root: str | Path, base_url: str = "/media/"):
        self.root = Path(root)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    @classmethod
    def from_app(cls, app: Flask) -> LocalStorage:
        """The folder and address from the app's MEDIA_DIR and MEDIA_URL."""
        return cls(app.config["MEDIA_DIR"], app.config["MEDIA_URL"])

    def path(self, key: str) -> Path:
        """The file a key names, refusing any key that could leave the folder."""
        if not KEY.fullmatch(key):
            raise ValueError(f"not a media key: {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Write to a temporary name, then move it in place: a reader never sees half a file."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        draft = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
        draft.write_bytes(data)
        os.replace(draft, target)

    def url(self, key: str) -> str:
        """MEDIA_URL followed by the key."""
        return self.base_url + key

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        self.path(key).unlink(missing_ok=True)


def load_storage(app: Flask) -> Storage:
    """Build the storage class named by MEDIA_STORAGE for this app."""
    module, _, name = app.config["MEDIA_STORAGE"].partition(":")
    cls = getattr(__import__(module, fromlist=[name]), name)
    return cls.from_app(app)


def storage() -> Storage:
    """The current app's storage (built at start by the media feature's init_app)."""
    return current_app.extensions["mall_media"]
