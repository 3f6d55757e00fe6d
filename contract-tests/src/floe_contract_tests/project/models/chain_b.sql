select * from {{ ref('chain_a') }} where amount > 50
