-- Reads the raw payments through the `raw` source (loaded by the seed named here):
-- depends_on: {{ ref('raw_payments') }}

select
    id as payment_id,
    order_id,
    payment_method,
    amount / 100.0 as amount
from {{ source('raw', 'raw_payments') }}
