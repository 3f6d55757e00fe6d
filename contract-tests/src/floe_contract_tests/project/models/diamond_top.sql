select * from {{ ref('events') }}
