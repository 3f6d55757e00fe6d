{#- SQL block syntax: understood by every dbt from 1.5 to 1.11. -#}
{% snapshot customers_snapshot %}

{{
    config(
        target_schema='snapshots',
        unique_key='customer_id',
        strategy='check',
        check_cols=['first_name', 'last_name', 'email', 'country'],
    )
}}

select * from {{ ref('stg_customers') }}

{% endsnapshot %}
