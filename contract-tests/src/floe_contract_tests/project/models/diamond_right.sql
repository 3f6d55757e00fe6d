select event_id, amount from {{ ref('diamond_top') }} where region = 'us'
