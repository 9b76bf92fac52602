-- every model

select embedding_model, count(*) as n from memories where embedding_model is not null
        group by 1 order by 2 desc, 1;
