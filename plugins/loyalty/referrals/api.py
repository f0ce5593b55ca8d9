"""The referral API: the member's code, share link and friends invited."""

from __future__ import annotations

from flask import jsonify

from mall.api.openapi import documented
from mall.api.serializers import iso
from mall.tenants.access import actor, login_required
from plugins.loyalty.referrals import operations
from plugins.loyalty.referrals import schemas as docs
from plugins.loyalty.referrals.views import share_link
from plugins.loyalty.web.api import api_bp


def friend_json(friend: dict) -> dict:
    """One invited friend: masked name, sign-up time, status; the reason when held, points when rewarded."""
    out = {"user": friend["name"], "joined_at": iso(friend["joined_at"]), "status": friend["status"]}
    if friend["status"] == "held":
        out["reason"] = friend["reason"]
    if friend["status"] == "rewarded":
        out["points"] = friend["points"]
    return out


@api_bp.route("/me/referrals", methods=["GET"])
@documented(response=docs.ReferralsReply)
@login_required
def my_referrals():
    """The member's referral code and share link, and the friends who signed up with it."""
    user = actor()
    return jsonify({"code": user.referral_code, "link": share_link(user),
                    "invited": [friend_json(f) for f in operations.invited(user)]})
