-- Singular test: every payment is counted in exactly one order, so the totals agree.
-- Returns a row (a failure) when they do not.
with paid as (
    select sum(amount) as total from {{ ref('stg_payments') }}
),

ordered as (
    select sum(amount) as total from {{ ref('orders') }}
)

select paid.total as paid_total, ordered.total as ordered_total
from paid
cross join ordered
where abs(paid.total - ordered.total) > 0.001
