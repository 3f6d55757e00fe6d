-- Fails until a test creates the table main.contract_switch: the "failing model in the middle".
select r.* from {{ ref('fail_root') }} as r cross join main.contract_switch
