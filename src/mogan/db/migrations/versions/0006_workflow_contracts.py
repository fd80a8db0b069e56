"""Workflow contracts: the step by name with a flow version, context, finish time.

A workflow's current step was its index in the flow's steps: a release that
inserts a step would re-point in-flight workflows at the wrong one. It is
now the step's name (``__end__`` past the last step, ``__start__`` when the
undos went back past the first), with the version of the flow that wrote
it. Existing rows are converted with the flows as they were at revision
0005 (spelled out below, not imported: later releases change the flows).

``request_id`` and ``context`` keep the request that started the workflow
(its id is on every log line of the work); ``finished_at`` says when it
ended, for ``[engine] workflow_retention``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MYSQL_DIALECTS = ("mysql", "mariadb")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(
    mysql.DATETIME(fsp=6), *MYSQL_DIALECTS
)
END = "__end__"
START = "__start__"
# NOTE: the flows' step names at revision 0005, by workflow kind.
STEPS_0005: dict[str, tuple[str, ...]] = {
    "schedule": ("select_and_claim",),
    "build": (
        "lock_node",
        "bind_networks",
        "config_drive",
        "start_deploy",
        "wait_deploy",
    ),
    "delete": (
        "wait_for_others",
        "lock_node",
        "teardown",
        "unbind_networks",
        "release_claim",
        "refresh_node",
    ),
    "power": ("lock_node", "start_power", "wait_power"),
    "rebuild": ("lock_node", "config_drive", "start_rebuild", "wait_deploy"),
}

WORKFLOWS = sa.table(
    "workflows",
    sa.column("id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("step", sa.Integer()),
    sa.column("step_name", sa.String()),
)


def _identifier(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(
        mysql.VARCHAR(length, charset="utf8mb4", collation="utf8mb4_bin"),
        *MYSQL_DIALECTS,
    )


def step_name(kind: str, index: int) -> str:
    """The name of step ``index`` of ``kind`` at 0005 (unknown kinds: ``#N``)."""
    steps = STEPS_0005.get(kind)
    if index < 0:
        return START
    if steps is None:
        return f"#{index}"
    if index >= len(steps):
        return END
    return steps[index]


def step_index(kind: str, name: str) -> int:
    """The inverse of ``step_name`` (for downgrading)."""
    steps = STEPS_0005.get(kind, ())
    if name == START:
        return -1
    if name == END:
        return len(steps)
    if name.startswith("#"):
        return int(name[1:])
    return steps.index(name) if name in steps else 0


def upgrade() -> None:
    with op.batch_alter_table("workflows") as batch_op:
        batch_op.add_column(sa.Column("step_name", sa.String(64), nullable=True))
        batch_op.add_column(
            sa.Column("flow_version", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("request_id", _identifier(64), nullable=True))
        batch_op.add_column(sa.Column("context", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("finished_at", TIMESTAMP, nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(WORKFLOWS.c.id, WORKFLOWS.c.kind, WORKFLOWS.c.step))
    for row_id, kind, index in list(rows):
        conn.execute(
            sa.update(WORKFLOWS)
            .where(WORKFLOWS.c.id == row_id)
            .values(step_name=step_name(kind, int(index)))
        )
    # NOTE: two batches: SQLite's table copy cannot drop a column and give
    # its name to another in one go.
    with op.batch_alter_table("workflows") as batch_op:
        batch_op.drop_column("step")
    with op.batch_alter_table("workflows") as batch_op:
        batch_op.alter_column(
            "step_name",
            new_column_name="step",
            existing_type=sa.String(64),
            nullable=False,
        )
        batch_op.alter_column(
            "flow_version", existing_type=sa.Integer(), server_default=None
        )
        batch_op.create_index(
            batch_op.f("ix_workflows_finished_at"), ["finished_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("workflows") as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflows_finished_at"))
        batch_op.alter_column(
            "step", new_column_name="step_name", existing_type=sa.String(64)
        )
    with op.batch_alter_table("workflows") as batch_op:
        batch_op.add_column(
            sa.Column("step", sa.Integer(), nullable=False, server_default="0")
        )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(WORKFLOWS.c.id, WORKFLOWS.c.kind, WORKFLOWS.c.step_name)
    )
    for row_id, kind, name in list(rows):
        conn.execute(
            sa.update(WORKFLOWS)
            .where(WORKFLOWS.c.id == row_id)
            .values(step=step_index(kind, str(name or "")))
        )
    with op.batch_alter_table("workflows") as batch_op:
        batch_op.alter_column("step", existing_type=sa.Integer(), server_default=None)
        batch_op.drop_column("step_name")
        batch_op.drop_column("flow_version")
        batch_op.drop_column("request_id")
        batch_op.drop_column("context")
        batch_op.drop_column("finished_at")
