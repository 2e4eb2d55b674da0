"""Who can read a PostgreSQL target: the roles of `config/delivery.yaml`, their grants and row-level security.

Applied inside the transaction that swaps a delivered table in, so readers never see the new table without its
grants and policies. The swap replaces the table, which would drop whatever a DBA granted on it by hand: those
grants (and the DBA's own row policies) are read off the old table first and put back on the new one, so a
delivery never takes away access it did not give.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from assets.deliver.config import RoleGrant

POLICY_PREFIX = "c360_"  # our row policies; any other name on a table is a DBA's and is carried over
CUSTOMER_TABLE = "dim_customer"
CUSTOMER_KEY = "customer_id"


@dataclass(frozen=True)
class TableAccess:
    """What others hold on a table before it is replaced: ACL entries and row policies not made by us."""

    grants: list[tuple[str, str]]  # (grantee, privilege)
    policies: list[
        tuple[str, str, bool, list[str], str | None, str | None]
    ]  # name, cmd, permissive, roles, using, check
    row_security: bool = False


def ensure_roles(cur: psycopg.Cursor, schema: str, roles: list[RoleGrant]) -> None:
    """Create each declared role (NOLOGIN) if missing and let it into the schema; idempotent."""
    for role in roles:
        exists = cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role.name]).fetchone()
        if not exists:
            cur.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role.name)))
        cur.execute(
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(
                sql.Identifier(schema), sql.Identifier(role.name)
            )
        )


def read_access(cur: psycopg.Cursor, schema: str, table: str, ours: set[str]) -> TableAccess:
    """The grants and row policies on `schema.table` that neither the owner nor customer360 made."""
    found = cur.execute(
        "SELECT c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relname = %s",
        [schema, table],
    ).fetchone()
    if found is None:
        return TableAccess([], [])
    grants = cur.execute(
        """
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type
        FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
        WHERE c.oid = %s::regclass AND a.grantee <> c.relowner
        """,
        [f'"{schema}"."{table}"'],
    ).fetchall()
    policies = cur.execute(
        """
        SELECT policyname, cmd, permissive = 'PERMISSIVE', roles::text[], qual, with_check
        FROM pg_policies WHERE schemaname = %s AND tablename = %s AND policyname NOT LIKE %s
        """,
        [schema, table, POLICY_PREFIX + "%"],
    ).fetchall()
    return TableAccess(
        [(g, p) for g, p in grants if g not in ours],
        [(n, c, perm, list(r), q, w) for n, c, perm, r, q, w in policies],
        bool(found[0]),
    )


def restore_access(cur: psycopg.Cursor, schema: str, table: str, access: TableAccess) -> None:
    target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    if access.row_security:
        cur.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(target))
    for grantee, privilege in access.grants:
        who = sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee)
        cur.execute(sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(privilege), target, who))
    for name, cmd, permissive, roles, using, check in access.policies:
        cur.execute(
            sql.SQL("CREATE POLICY {} ON {} AS {} FOR {} TO {}{}{}").format(
                sql.Identifier(name),
                target,
                sql.SQL("PERMISSIVE" if permissive else "RESTRICTIVE"),
                sql.SQL(cmd),
                sql.SQL(", ").join(sql.SQL("PUBLIC") if r == "public" else sql.Identifier(r) for r in roles),
                sql.SQL(" USING ({})").format(sql.SQL(using)) if using else sql.SQL(""),
                sql.SQL(" WITH CHECK ({})").format(sql.SQL(check)) if check else sql.SQL(""),
            )
        )


def _customer_filter(
    cur: psycopg.Cursor, schema: str, role: RoleGrant, columns: set[str]
) -> sql.Composable | None:
    """The row condition of a filtered role on a table with `columns`; None: the table is not for the role.

    Tables without the filter columns but with customer_id keep the rows of the role's customers, listed by a
    function rather than a subquery in the policy: PostgreSQL would then tie dim_customer to every table's
    policy and refuse the next delivery's swap of dim_customer.
    """
    assert role.customers
    condition = sql.SQL(" AND ").join(
        sql.SQL("{} IN ({})").format(sql.Identifier(c), sql.SQL(", ").join(map(sql.Literal, values)))
        for c, values in role.customers.items()
    )
    if set(role.customers) <= columns:
        return condition
    if CUSTOMER_KEY not in columns:
        return None
    function = sql.SQL("{}.{}").format(
        sql.Identifier(schema), sql.Identifier(f"{POLICY_PREFIX}customers_{role.name}")
    )
    body = sql.SQL("SELECT {} FROM {}.{} WHERE {}").format(
        sql.Identifier(CUSTOMER_KEY), sql.Identifier(schema), sql.Identifier(CUSTOMER_TABLE), condition
    )
    cur.execute(
        sql.SQL("CREATE OR REPLACE FUNCTION {}() RETURNS SETOF text LANGUAGE sql STABLE AS {}").format(
            function, sql.Literal(body.as_string(cur))
        )
    )
    return sql.SQL("{} IN (SELECT {}())").format(sql.Identifier(CUSTOMER_KEY), function)


def apply_roles(
    cur: psycopg.Cursor,
    schema: str,
    table: str,
    columns: list[str],
    roles: list[RoleGrant],
    access: TableAccess,
) -> list[str]:
    """Grant SELECT to the roles allowed this table; with any filtered role, enable row-level security with
    one policy per role (unfiltered roles and a DBA's grantees see every row). Returns the roles granted."""
    target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    rows: dict[str, sql.Composable] = {}
    for role in roles:
        condition = (
            sql.SQL("true") if not role.customers else _customer_filter(cur, schema, role, set(columns))
        )
        if condition is not None:
            rows[role.name] = condition
            cur.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(target, sql.Identifier(role.name)))
    if any(role.customers for role in roles if role.name in rows):
        cur.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(target))
        for name, condition in rows.items():
            cur.execute(
                sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING ({})").format(
                    sql.Identifier(POLICY_PREFIX + name), target, sql.Identifier(name), condition
                )
            )
        others = sorted({g for g, _ in access.grants} - set(rows))
        if others and not access.policies:  # a DBA's readers keep seeing every row, as before RLS
            cur.execute(
                sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING (true)").format(
                    sql.Identifier(POLICY_PREFIX + "granted_by_dba"),
                    target,
                    sql.SQL(", ").join(
                        sql.SQL("PUBLIC") if g == "PUBLIC" else sql.Identifier(g) for g in others
                    ),
                )
            )
    return sorted(rows)
