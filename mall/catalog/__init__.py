"""Catalogue: categories and products per shop, shop and product pages."""
