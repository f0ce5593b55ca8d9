"""Imports every core table so the metadata (and Alembic) sees them all."""

from mall.accounts.models import ApiToken, User
from mall.addresses.models import Address
from mall.aftersales.models import AfterSale, AfterSaleHold, AfterSaleLine
from mall.audit.models import AuditEntry
from mall.cart.models import CartItem
from mall.catalog.models import Category, Product
from mall.idempotency import IdempotencyRecord
from mall.media.models import ProductImage
from mall.notifications.models import Notification
from mall.orders.models import Checkout, Order, OrderLine, Payment, Refund
from mall.privacy.models import PrivacyRequest
from mall.reviews.models import Review
from mall.tenants.models import Staff, Tenant
from mall.webhooks.models import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Address", "AfterSale", "AfterSaleHold", "AfterSaleLine", "ApiToken", "AuditEntry", "CartItem", "Category",
    "Checkout", "IdempotencyRecord", "Notification", "Order", "OrderLine", "Payment", "PrivacyRequest", "Product",
    "ProductImage", "Refund", "Review", "Staff", "Tenant", "User", "WebhookDelivery", "WebhookEndpoint",
]
