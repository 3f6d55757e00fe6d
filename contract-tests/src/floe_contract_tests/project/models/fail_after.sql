select count(*) as events from {{ ref('fail_bad') }}
