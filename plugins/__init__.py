"""Plugins shipped with the mall; each is found through the `mall.plugins` entry point."""
