-- Ephemeral: inlined into chain_b as a CTE, so runs of the chain exercise dbt's ephemeral handling.
{{ config(materialized='ephemeral') }}
select * from {{ ref('chain_a') }} where amount > 50
