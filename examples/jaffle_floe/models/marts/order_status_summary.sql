select
    status,
    count(*) as order_count,
    sum(amount) as amount
from {{ ref('orders') }}
group by status
