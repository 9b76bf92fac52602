-- before a cutoff

delete from "write_requests" where "create_time" < '<time>';
