-- Reads the raw customers through the `raw` source. The seed that loads that
-- table is named below so that `dbt build` runs it first:
-- depends_on: {{ ref('raw_customers') }}

select
    id as customer_id,
    first_name,
    last_name,
    nullif(email, '') as email,
    country
from {{ source('raw', 'raw_customers') }}
