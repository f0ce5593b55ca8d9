"""Referrals: the referrer's reward when a referred member's first order settles."""
