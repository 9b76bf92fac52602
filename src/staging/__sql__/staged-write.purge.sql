-- before a cutoff

delete from "staged_writes" where "expire_time" < '<time>';
