select region, count(*) as events, sum(amount) as amount from {{ ref('chain_b') }} group by region
