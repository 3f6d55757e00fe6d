-- Fails on its first attempt and succeeds on the next: the pre-hook counts attempts outside dbt's
-- transaction, so a failed attempt still counts.
{{ config(pre_hook=[
    before_begin("create table if not exists main.flaky_attempts (attempt integer)"),
    before_begin("insert into main.flaky_attempts select count(*) + 1 from main.flaky_attempts"),
]) }}
select case
    when (select count(*) from main.flaky_attempts) < 2 then error('first attempt fails on purpose')
    else count(*)
end as attempts
from main.flaky_attempts
