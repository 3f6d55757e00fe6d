-- Revenue per day, leaving out returned orders.
select
    order_date,
    count(*) as order_count,
    sum(amount) as revenue
from {{ ref('orders') }}
where status <> 'returned'
group by order_date
