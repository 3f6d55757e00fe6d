select count(*) as events from {{ ref('blocked_source') }}
