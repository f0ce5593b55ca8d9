"""Uploaded images: checked and resized once with Pillow, kept in a Storage (a folder by default), shown as
thumbnails; product images are the first user of `save_image`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Build the configured storage, register the media pages and the upload size rules."""
    from mall.media import views
    from mall.media.storage import load_storage

    app.extensions["mall_media"] = load_storage(app)
    views.init_app(app)
