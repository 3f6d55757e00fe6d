select c.id as customer_id, c.name, count(o.id) as order_count, sum(o.amount) as amount
from {{ ref('customers') }} c
left join {{ ref('orders') }} o on o.customer_id = c.id
group by 1, 2
