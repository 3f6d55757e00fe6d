select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.status,
    coalesce(p.payment_count, 0) as payment_count,
    coalesce(p.credit_card_amount, 0) as credit_card_amount,
    coalesce(p.coupon_amount, 0) as coupon_amount,
    coalesce(p.bank_transfer_amount, 0) as bank_transfer_amount,
    coalesce(p.gift_card_amount, 0) as gift_card_amount,
    coalesce(p.amount, 0) as amount
from {{ ref('stg_orders') }} as o
left join {{ ref('int_order_payments') }} as p
    on o.order_id = p.order_id
