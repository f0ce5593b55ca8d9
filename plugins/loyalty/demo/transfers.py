"""The demo's member import: a small file brought into the gadget shop, checked and run, in its history."""

from __future__ import annotations

import io
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from mall import clock
from mall.accounts.models import User
from mall.extensions import db
from mall.tenants.models import Staff, StaffRole
from plugins.loyalty.transfers import jobs as transfer_jobs
from plugins.loyalty.transfers import operations as transfers
from plugins.loyalty.transfers.models import MemberExport
from plugins.loyalty.transfers.operations import HEADERS


def load(programme) -> None:
    """Six lines from the shop's old till system: four new members, one line with a typo, one unknown tier;
    uploaded and run by the shop's owner."""
    owner = _owner(programme)
    until = clock.local_date(clock.zone_of(programme.tenant), clock.now() + timedelta(days=200)).isoformat()
    lines = [",".join(HEADERS),
             f"lin.wei@import-demo.cn,13900001111,林伟,1988-03-12,gold,800,{until},1,0",
             f"zhou.min@import-demo.cn,,周敏,1992-11-02,silver,350,{until},1,1",
             "sun.li@import-demo.cn,,孙丽,,,120,,0,0",
             "grace.wu@import-demo.cn,,Grace Wu,1979-07-30,bronze,60,,1,0",
             "huang.qiang@@import-demo.cn,,黄强,,,90,,1,0",
             "ma.jun@import-demo.cn,,马俊,,platinum,40,,0,0"]
    _run(programme, lines, "老会员-till-export.csv", owner)


def load_known(programme, shoppers: list) -> None:
    """An import that only finds members already there (changing nothing) and one bad line, and an export:
    the history and the download the four-tier shop's and the platform's pages show."""
    owner = _owner(programme)
    lines = [",".join(HEADERS)] + [f"{user.email},,,,,,,," for user in shoppers[:2]] + ["wrong@@mall-demo,,,,,,,,"]
    _run(programme, lines, "crm-sync.csv", owner)
    export = MemberExport(programme_id=programme.id, tenant_id=programme.tenant_id, kind="members", filter={},
                          created_by=getattr(owner, "id", None), locale="zh")
    db.session.add(export)
    db.session.flush()
    transfer_jobs.write_file(export)


def _owner(programme):
    """The shop's owner (the platform's first operator)."""
    if programme.tenant_id is None:
        return db.session.execute(db.select(User).where(User.is_operator.is_(True)).order_by(User.id)).scalar()
    owner = db.session.execute(db.select(Staff.user_id).where(Staff.tenant_id == programme.tenant_id,
                                                              Staff.role == StaffRole.OWNER)).scalar()
    return db.session.get(User, owner)


def _run(programme, lines: list[str], filename: str, owner) -> None:
    """Check a file and run it at once."""
    upload = FileStorage(io.BytesIO(("\n".join(lines) + "\n").encode()), filename=filename)
    imp, _created = transfers.create_import(programme, upload, owner)
    transfers.start_run(imp, owner)
    # Applied here rather than by the queue, so the history shows it done however the demo's queue runs.
    imp.status, imp.started_at = "running", clock.now()
    db.session.flush()
    transfer_jobs.apply_chunk(imp, 2, imp.rows_total + 1)
    transfer_jobs.finish(imp.id)
