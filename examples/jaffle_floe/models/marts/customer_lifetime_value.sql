select
    customer_id,
    number_of_orders,
    total_amount as lifetime_value,
    case
        when total_amount >= 100 then 'gold'
        when total_amount >= 40 then 'silver'
        when total_amount > 0 then 'bronze'
        else 'none'
    end as value_tier
from {{ ref('customers') }}
