select count(*) as events from {{ ref('warned_source') }}
