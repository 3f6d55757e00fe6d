select * from {{ ref('chain_filter') }}
