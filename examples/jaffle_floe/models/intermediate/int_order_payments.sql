-- Ephemeral: inlined as a CTE into the models that use it.
select
    order_id,
    count(*) as payment_count,
    sum(amount) as amount,
    sum(case when payment_method = 'credit_card' then amount else 0 end) as credit_card_amount,
    sum(case when payment_method = 'coupon' then amount else 0 end) as coupon_amount,
    sum(case when payment_method = 'bank_transfer' then amount else 0 end) as bank_transfer_amount,
    sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount
from {{ ref('stg_payments') }}
group by order_id
