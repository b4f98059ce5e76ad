module ecosystem/migrations

go 1.26
