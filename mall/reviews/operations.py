"""Posting reviews."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from mall import signals
from mall.errors import Conflict, FieldErrors
from mall.extensions import db
from mall.reviews.models import Review

MAX_TEXT = 2000


def post_review(user, line, rating, text: str) -> Review:
    """Review an order line of the user's own completed order (one review per line)."""
    order = line.order
    if not order.can_review:
        raise Conflict(_("You can review a product once the order is completed."), code="not_completed")
    errors = {}
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        errors["rating"] = [_("Choose a rating from 1 to 5.")]
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        errors["text"] = [_("Keep the review under %(n)d characters.", n=MAX_TEXT)]
    if errors:
        raise FieldErrors(_("Please correct the review."), errors)
    review = Review(
        tenant_id=order.tenant_id, product_id=line.product_id, order_line_id=line.id,
        user_id=user.id, rating=rating, text=text,
    )
    try:
        with db.session.begin_nested():
            db.session.add(review)
    except IntegrityError:
        raise Conflict(_("You have already reviewed this product for this order."), code="already_reviewed") from None
    signals.review_posted.send(current_app._get_current_object(), review=review)
    return review
