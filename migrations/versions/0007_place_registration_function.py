"""place registration function: a new registration placed inside PostgreSQL

`eventnet_place_registration` takes the event's lock, counts its places and gives a new
registration (written before, as cancelled) its place, in the database itself. The
registration API sends it in the same round trip as the registration's rows, its mail and
the COMMIT, so that the lock is held for no client round trip at all: under a rush, each
round trip under the lock was a wait for two busy processes to be woken up while every
other registrant of the event queued (docs/benchmarks.md, "Load").

It decides only the common case, and exactly as `eventnet.services.registration` does.
Whenever more is needed it raises SQLSTATE EVT01 and the service does it the long way: the
event's terms differ from those the registration was checked against, a pending hold has
run out, or someone waits for a group that has a free place. PostgreSQL only; SQLite
registrations hold the database's write lock and need no such thing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 23:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE OR REPLACE FUNCTION eventnet_place_registration(
    p_event_id integer,
    p_ticket_code text,
    p_role text,
    p_now timestamptz,
    p_status text,
    p_opens timestamptz,
    p_closes timestamptz,
    p_starts timestamptz,
    p_capacity integer,
    p_double_opt_in boolean,
    p_hold_minutes integer,
    p_quotas text[],
    p_roles text[],
    p_limits integer[]
) RETURNS TABLE (
    placed_id integer,
    placed_status text,
    placed_position integer,
    placed_expires timestamptz
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ev record;
    counted record;
    v_id integer;
    v_taken integer := 0;
    v_overdue integer := 0;
    v_taken_by_role jsonb := '{}';
    v_event_left integer;
    v_left integer;
    v_waiting integer;
    v_my_left integer := 0;
    v_my_waiting integer := 0;
    v_status text;
    v_position integer;
    v_expires timestamptz;
BEGIN
    -- The event's lock (FOR NO KEY UPDATE, as eventnet.services.locking explains). Each
    -- statement below takes a new snapshot: it sees what the previous holder committed.
    SELECT e.status, e.registration_opens_at, e.registration_closes_at, e.starts_at,
           e.capacity, e.double_opt_in, e.pending_hold_minutes
      INTO ev
      FROM events e
     WHERE e.id = p_event_id
       FOR NO KEY UPDATE;
    IF NOT FOUND
       OR ev.status IS DISTINCT FROM p_status
       OR ev.registration_opens_at IS DISTINCT FROM p_opens
       OR ev.registration_closes_at IS DISTINCT FROM p_closes
       OR ev.starts_at IS DISTINCT FROM p_starts
       OR ev.capacity IS DISTINCT FROM p_capacity
       OR ev.double_opt_in IS DISTINCT FROM p_double_opt_in
       OR ev.pending_hold_minutes IS DISTINCT FROM p_hold_minutes
       OR (SELECT coalesce(array_agg(q.role || ':' || q.capacity ORDER BY q.role || ':' || q.capacity), '{}')
             FROM role_quotas q WHERE q.event_id = p_event_id)
          IS DISTINCT FROM
          (SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM unnest(p_quotas) AS x)
       OR NOT (p_role = ANY (p_roles))
    THEN
        RAISE EXCEPTION 'the event changed since the registration was checked'
            USING ERRCODE = 'EVT01';
    END IF;

    -- Places taken per group (ix_registrations_event_holding), and holds that ran out.
    FOR counted IN
        SELECT g.role,
               count(*) FILTER (WHERE g.status = 'confirmed' OR g.pending_expires_at IS NULL
                                OR g.pending_expires_at > p_now) AS taken,
               count(*) FILTER (WHERE g.status = 'pending'
                                AND g.pending_expires_at <= p_now) AS overdue
          FROM registrations g
         WHERE g.event_id = p_event_id AND g.status IN ('confirmed', 'pending')
         GROUP BY g.role
    LOOP
        v_taken := v_taken + counted.taken;
        v_overdue := v_overdue + counted.overdue;
        v_taken_by_role := v_taken_by_role || jsonb_build_object(counted.role, counted.taken);
    END LOOP;
    IF v_overdue > 0 THEN
        RAISE EXCEPTION 'pending holds ran out: release them first' USING ERRCODE = 'EVT01';
    END IF;

    -- Places left and people waiting per offered group (the end of its queue).
    v_event_left := greatest(p_capacity - v_taken, 0);
    FOR i IN 1 .. coalesce(array_length(p_roles, 1), 0) LOOP
        v_waiting := NULL;
        SELECT g.waitlist_position INTO v_waiting
          FROM registrations g
         WHERE g.event_id = p_event_id AND g.role = p_roles[i]
           AND g.waitlist_position IS NOT NULL
         ORDER BY g.waitlist_position DESC
         LIMIT 1;
        v_waiting := coalesce(v_waiting, 0);
        IF p_limits[i] IS NULL THEN
            v_left := v_event_left;
        ELSE
            v_left := least(greatest(
                p_limits[i] - coalesce((v_taken_by_role ->> p_roles[i])::integer, 0), 0
            ), v_event_left);
        END IF;
        IF v_left > 0 AND v_waiting > 0 THEN
            RAISE EXCEPTION 'the waiting list is behind: promote it first'
                USING ERRCODE = 'EVT01';
        END IF;
        IF p_roles[i] = p_role THEN
            v_my_left := v_left;
            v_my_waiting := v_waiting;
        END IF;
    END LOOP;

    -- The place: as the registration service's _placement decides it.
    SELECT g.id INTO v_id FROM registrations g WHERE g.ticket_code = p_ticket_code;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'no registration with this ticket code' USING ERRCODE = 'EVT01';
    END IF;
    IF v_my_left > 0 AND v_my_waiting = 0 THEN
        IF p_double_opt_in THEN
            v_status := 'pending';
            v_expires := p_now + make_interval(mins => greatest(coalesce(p_hold_minutes, 0), 1));
            UPDATE registrations
               SET status = v_status, waitlist_position = NULL, updated_at = p_now,
                   pending_expires_at = v_expires
             WHERE id = v_id;
        ELSE
            v_status := 'confirmed';
            UPDATE registrations
               SET status = v_status, waitlist_position = NULL, updated_at = p_now,
                   confirmed_at = p_now
             WHERE id = v_id;
        END IF;
    ELSE
        v_status := 'waitlisted';
        v_position := v_my_waiting + 1;
        UPDATE registrations
           SET status = v_status, waitlist_position = v_position, updated_at = p_now,
               waitlisted_at = p_now
         WHERE id = v_id;
    END IF;
    RETURN QUERY SELECT v_id, v_status, v_position, v_expires;
END
$$
"""

SIGNATURE = (
    "eventnet_place_registration(integer, text, text, timestamptz, text, timestamptz, "
    "timestamptz, timestamptz, integer, boolean, integer, text[], text[], integer[])"
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        bind.exec_driver_sql(FUNCTION)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
