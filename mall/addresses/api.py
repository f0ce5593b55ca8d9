"""The address book API: GET|POST /me/addresses, PUT|DELETE /me/addresses/<id> (another shopper's id is 404)."""

from __future__ import annotations

from flask import abort, jsonify

from mall.addresses import operations
from mall.addresses import schemas as docs
from mall.addresses.schemas import address_json
from mall.api import bp, load, write
from mall.api.openapi import documented
from mall.tenants.access import actor, login_required


def _own_or_404(address_id: int):
    return operations.own_address(actor(), address_id) or abort(404)


@bp.route("/me/addresses", methods=["GET"])
@documented(response=docs.AddressesReply)
@login_required
def my_addresses():
    """The shopper's delivery addresses, the default first."""
    return jsonify({"items": [address_json(a) for a in operations.addresses_of(actor())]})


@bp.route("/me/addresses", methods=["POST"])
@documented(docs.AddressBody, docs.AddressReply, created=True)
@login_required
@write
def address_create():
    """Add a delivery address."""
    address = operations.add_address(actor(), load(docs.AddressBody()))
    return 201, {"address": address_json(address)}


@bp.route("/me/addresses/<int:address_id>", methods=["PUT"])
@documented(docs.AddressChangeBody, docs.AddressReply)
@login_required
@write
def address_update(address_id: int):
    """Change a delivery address (fields left out keep their value)."""
    address = _own_or_404(address_id)
    values = {**address.snapshot(), "is_default": None, **load(docs.AddressChangeBody())}
    return 200, {"address": address_json(operations.update_address(address, values))}


@bp.route("/me/addresses/<int:address_id>", methods=["DELETE"])
@documented(response=docs.AddressDeletedReply)
@login_required
@write
def address_delete(address_id: int):
    """Delete a delivery address; placed orders keep the copy they were shipped to."""
    address = _own_or_404(address_id)
    deleted = address.id
    successor = operations.delete_address(address)
    return 200, {"deleted": deleted, "default_id": successor.id if successor is not None else None}
