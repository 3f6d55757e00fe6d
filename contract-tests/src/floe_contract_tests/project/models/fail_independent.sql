select region, count(*) as events from {{ ref('fail_root') }} group by region
